package archive

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// These tests read the exports with an independent implementation, warcio.js
// (pinned in testdata/npm/package.json). .ci/run installs it.

const npmDir = "testdata/npm"

// warcio runs the locally installed warcio CLI and returns its stdout.
func warcio(t *testing.T, args ...string) []byte {
	t.Helper()
	return node(t, "npx", append([]string{"--no-install", "warcio"}, args...)...)
}

func node(t *testing.T, tool string, args ...string) []byte {
	t.Helper()
	if _, err := os.Stat(filepath.Join(npmDir, "node_modules", "warcio", "package.json")); err != nil {
		t.Fatalf("warcio.js is not installed (%v); run .ci/run, or: npm ci --prefix archive/testdata/npm --no-audit --no-fund --loglevel=error", err)
	}
	if _, err := exec.LookPath(tool); err != nil {
		t.Fatalf("%s not found: these tests need Node.js and npm (%v)", tool, err)
	}
	cmd := exec.Command(tool, args...)
	cmd.Dir = npmDir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, stderr.Bytes())
	}
	return stdout.Bytes()
}

func jsonLines[T any](t *testing.T, out []byte) []T {
	t.Helper()
	var res []T
	for _, l := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		var v T
		if err := json.Unmarshal(l, &v); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		res = append(res, v)
	}
	return res
}

func TestWarcioReadsExport(t *testing.T) {
	dir := t.TempDir()
	rs := append(sampleRecords(), rotationRecords(12)...)
	w := export(t, dir, rs, Options{MaxFileSize: 4 << 10, Software: "redline/test"})
	if len(w.Files()) < 2 {
		t.Fatalf("want several files, got %v", w.Files())
	}

	// warcio index: one {"offset","warc-type","warc-target-uri"} per record.
	type indexLine struct {
		Offset int64  `json:"offset"`
		Type   string `json:"warc-type"`
		URI    string `json:"warc-target-uri"`
	}
	// One run over all files (npx is slow to start); a file's records
	// start at offset 0.
	all := jsonLines[indexLine](t, warcio(t, append([]string{"index"}, w.Files()...)...))
	counts := map[string]int{}
	for _, f := range w.Files() {
		recs := readWARC(t, f)
		if len(all) < len(recs) {
			t.Fatalf("%s: warcio lists %d records, gowarc reads %d", f, len(all), len(recs))
		}
		got := all[:len(recs)]
		all = all[len(recs):]
		for i, r := range recs {
			want := indexLine{r.offset, r.typ, r.h.Get("WARC-Target-URI")}
			if got[i] != want {
				t.Errorf("%s record %d: warcio %+v, gowarc %+v", f, i, got[i], want)
			}
			counts[got[i].Type]++
		}
		if len(all) > 0 && all[0].Offset != 0 {
			t.Fatalf("%s: warcio lists more records than gowarc reads", f)
		}
	}
	if len(all) != 0 {
		t.Errorf("warcio lists %d records more than gowarc reads", len(all))
	}
	if !maps.Equal(counts, w.Stats()) {
		t.Errorf("warcio counts %v, written %v", counts, w.Stats())
	}

	// warcio cdx-index: the same lines as our CDXJ, but for the digest
	// prefix and a missing mime (pywb's "unk").
	var theirs []cdxjEntry
	for _, l := range bytes.Split(bytes.TrimSpace(warcio(t, append([]string{"cdx-index"}, w.Files()...)...)), []byte("\n")) {
		parts := strings.SplitN(string(l), " ", 3)
		if len(parts) != 3 {
			t.Fatalf("warcio cdx-index line %q", l)
		}
		c := cdxjEntry{key: parts[0], ts: parts[1]}
		if err := json.Unmarshal([]byte(parts[2]), &c); err != nil {
			t.Fatalf("warcio cdx-index line %q: %v", l, err)
		}
		theirs = append(theirs, c)
	}
	ours := readCDXJ(t, w.Index())
	byPos := func(a, b cdxjEntry) int {
		return strings.Compare(a.Filename+" "+leftPad(a.Offset), b.Filename+" "+leftPad(b.Offset))
	}
	slices.SortFunc(theirs, byPos)
	slices.SortFunc(ours, byPos)
	if len(theirs) != len(ours) {
		t.Fatalf("warcio indexes %d records, we %d", len(theirs), len(ours))
	}
	revisits := 0
	for i, o := range ours {
		th := theirs[i]
		if th.Mime == "" {
			th.Mime = "unk"
		}
		th.Digest = "sha256:" + th.Digest
		th.CaptureID, th.Target = o.CaptureID, o.Target
		if th != o {
			t.Errorf("warcio: %+v\nours:   %+v", th, o)
		}
		if th.Mime == "warc/revisit" {
			revisits++
		}
	}
	if revisits != w.Stats()["revisit"] {
		t.Errorf("warcio shows %d revisits, %d written", revisits, w.Stats()["revisit"])
	}
}

func leftPad(n string) string { return strings.Repeat("0", max(0, 20-len(n))) + n }

// TestWarcioSURT compares surt with warcio.js's getSurt, which ReplayWeb.page
// uses to look URLs up in a WACZ index.
func TestWarcioSURT(t *testing.T) {
	var urls, want []string
	for _, c := range surtCases {
		if !c.own {
			urls = append(urls, c.url)
			want = append(want, surt(c.url))
		}
	}
	in, _ := json.Marshal(urls)
	out := node(t, "node", "--input-type=module", "-e",
		`import { getSurt } from "warcio"; console.log(JSON.stringify(`+string(in)+`.map(getSurt)));`)
	var got []string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	if !slices.Equal(got, want) {
		for i := range urls {
			if got[i] != want[i] {
				t.Errorf("%q: warcio %q, surt %q", urls[i], got[i], want[i])
			}
		}
	}
}
