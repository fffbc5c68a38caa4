package archive

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nlnwa/gowarc/v3"
)

func TestWriteWACZ(t *testing.T) {
	dir := t.TempDir()
	rs := append(sampleRecords(), rotationRecords(12)...)
	w := export(t, dir, rs, Options{MaxFileSize: 4 << 10})
	if len(w.Files()) < 2 {
		t.Fatalf("want several WARC files, got %v", w.Files())
	}
	created := time.Date(2025, 6, 7, 8, 9, 10, 0, time.FixedZone("CEST", 2*3600))
	path := filepath.Join(dir, "out.wacz")
	meta := WACZMeta{Title: "redline export", Description: "All captures.", Software: "redline/test", Created: created}
	if err := WriteWACZ(path, w.Files(), w.Index(), meta); err != nil {
		t.Fatal(err)
	}

	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	content := map[string][]byte{}
	var names []string
	for _, f := range zr.File {
		if f.Method != zip.Store {
			t.Errorf("%s: method %d, want STORE", f.Name, f.Method)
		}
		if !f.Modified.Equal(created) {
			t.Errorf("%s: modified %v, want %v", f.Name, f.Modified, created)
		}
		if f.Flags&0x8 != 0 {
			t.Errorf("%s: sizes in a data descriptor, not the local header", f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		content[f.Name], err = io.ReadAll(rc) // checks the CRC-32
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		names = append(names, f.Name)
	}
	var want []string
	for _, f := range w.Files() {
		want = append(want, "archive/"+filepath.Base(f))
	}
	want = append(want, "indexes/index.cdxj", "pages/pages.jsonl", "datapackage.json", "datapackage-digest.json")
	if !slices.Equal(names, want) {
		t.Fatalf("entries %v, want %v", names, want)
	}
	for _, f := range w.Files() {
		src, _ := os.ReadFile(f)
		if !bytes.Equal(content["archive/"+filepath.Base(f)], src) {
			t.Errorf("%s differs from its source", f)
		}
	}
	if src, _ := os.ReadFile(w.Index()); !bytes.Equal(content["indexes/index.cdxj"], src) {
		t.Error("index differs from its source")
	}

	var dp struct {
		Profile     string `json:"profile"`
		WACZVersion string `json:"wacz_version"`
		Title       string `json:"title"`
		Description string `json:"description"`
		Software    string `json:"software"`
		Created     string `json:"created"`
		Modified    string `json:"modified"`
		Resources   []struct {
			Name, Path, Hash string
			Bytes            int64
		} `json:"resources"`
	}
	if err := json.Unmarshal(content["datapackage.json"], &dp); err != nil {
		t.Fatal(err)
	}
	if dp.Profile != "wacz" || dp.WACZVersion != "1.2.0" {
		t.Errorf("profile %q, wacz_version %q", dp.Profile, dp.WACZVersion)
	}
	if dp.Title != meta.Title || dp.Description != meta.Description || dp.Software != meta.Software ||
		dp.Created != "2025-06-07T06:09:10Z" || dp.Modified != dp.Created {
		t.Errorf("metadata %+v", dp)
	}
	var listed []string
	for _, r := range dp.Resources {
		data, ok := content[r.Path]
		if !ok {
			t.Errorf("resource %s not in the zip", r.Path)
			continue
		}
		listed = append(listed, r.Path)
		if r.Name != filepath.Base(r.Path) || r.Hash != "sha256:"+sha(data) || r.Bytes != int64(len(data)) {
			t.Errorf("resource %+v; content %d bytes, sha256 %s", r, len(data), sha(data))
		}
	}
	if !slices.Equal(listed, want[:len(want)-2]) {
		t.Errorf("resources %v, want %v", listed, want[:len(want)-2])
	}
	var digest struct{ Path, Hash string }
	if err := json.Unmarshal(content["datapackage-digest.json"], &digest); err != nil {
		t.Fatal(err)
	}
	if digest.Path != "datapackage.json" || digest.Hash != "sha256:"+sha(content["datapackage.json"]) {
		t.Errorf("datapackage-digest.json %+v", digest)
	}

	// pages.jsonl: header, then each URL once at its first capture.
	lines := strings.Split(strings.TrimSuffix(string(content["pages/pages.jsonl"]), "\n"), "\n")
	if lines[0] != `{"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}` {
		t.Errorf("pages header %q", lines[0])
	}
	first := map[string]Record{}
	for _, r := range rs {
		if f, ok := first[r.URL]; !ok || r.FetchedAt.Before(f.FetchedAt) {
			first[r.URL] = r
		}
	}
	if len(lines)-1 != len(first) {
		t.Errorf("%d pages for %d URLs", len(lines)-1, len(first))
	}
	for _, l := range lines[1:] {
		var p struct{ ID, URL, TS, Title string }
		if err := json.Unmarshal([]byte(l), &p); err != nil {
			t.Fatalf("page %q: %v", l, err)
		}
		r, ok := first[p.URL]
		if !ok || p.ID == "" || p.TS != r.FetchedAt.Truncate(time.Second).Format(time.RFC3339) || p.Title != r.Target {
			t.Errorf("page %q; first capture %v at %v by %q", l, ok, r.FetchedAt, r.Target)
		}
		delete(first, p.URL)
	}

	// Replay-style access: each index line, read by offset straight out of the
	// zip, is one record of the right URL.
	entry := map[string]*zip.File{}
	for _, f := range zr.File {
		entry[f.Name] = f
	}
	raw, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, l := range readCDXJ(t, w.Index()) {
		f := entry["archive/"+l.Filename]
		base, err := f.DataOffset()
		if err != nil {
			t.Fatal(err)
		}
		off, _ := strconv.ParseInt(l.Offset, 10, 64)
		n, _ := strconv.ParseInt(l.Length, 10, 64)
		rec, _, _, err := gowarc.NewUnmarshaler(gowarc.WithStrictValidation()).
			Unmarshal(bufio.NewReader(io.NewSectionReader(raw, base+off, n)))
		if err != nil {
			t.Fatalf("%s at %d: %v", l.Filename, off, err)
		}
		if got := rec.WarcHeader().Get(gowarc.WarcTargetURI); got != l.URL {
			t.Errorf("%s at %d: record of %s, index says %s", l.Filename, off, got, l.URL)
		}
		_ = rec.Close()
	}
}

func TestWriteWACZRejects(t *testing.T) {
	dir := t.TempDir()
	w := export(t, dir, sampleRecords(), Options{})
	out := filepath.Join(dir, "out.wacz")
	if err := WriteWACZ(out, nil, w.Index(), WACZMeta{}); err == nil || !strings.Contains(err.Error(), "out.warc.gz") {
		t.Errorf("index naming a missing WARC: %v", err)
	}
	if err := WriteWACZ(out, append(w.Files(), w.Files()...), w.Index(), WACZMeta{}); err == nil {
		t.Error("duplicate WARC names accepted")
	}
	if err := WriteWACZ(out, w.Files(), filepath.Join(dir, "missing.cdxj"), WACZMeta{}); err == nil {
		t.Error("missing index accepted")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("failed WriteWACZ left files behind: %v", ents)
	}
}
