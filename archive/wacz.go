package archive

import (
	"archive/zip"
	"bufio"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// WACZMeta is the descriptive metadata of a WACZ package.
type WACZMeta struct {
	Title, Description, Software string
	Created                      time.Time // zero means now
}

const (
	// waczProfile is the datapackage.json "profile" WACZ 1.2.0 specifies.
	// ReplayWeb.page (wabac.js) does not know it yet and rejects the package;
	// WACZ 1.1.1 readers expect "data-package".
	waczProfile = "wacz"
	// waczVersion: 1.2.0 no longer defines "wacz_version", but py-wacz's
	// validator refuses a package without it.
	waczVersion = "1.2.0"
	pagesHeader = `{"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}`
)

type waczResource struct {
	Name  string `json:"name"`
	Path  string `json:"path"`
	Hash  string `json:"hash"`
	Bytes int64  `json:"bytes"`

	src  string // file to copy, or
	data []byte // content to store
	crc  uint32
}

// WriteWACZ packs the WARC files and the CDXJ index written by a Writer into
// a WACZ 1.2 package at path (replaced if it exists): archive/<name>.warc.gz,
// indexes/index.cdxj, pages/pages.jsonl (one page per distinct URL in the
// index, at its first capture, titled with the redline target name),
// datapackage.json (profile "wacz", every other file with its sha256 and
// size) and datapackage-digest.json. Every entry is STORED, uncompressed, so
// replay tools can read WARC records by offset.
//
// Every filename the index refers to must be among warcs, and the WARC base
// names must be distinct.
func WriteWACZ(path string, warcs []string, index string, meta WACZMeta) (err error) {
	fail := func(err error) error { return fmt.Errorf("wacz %s: %w", path, err) }
	if meta.Created.IsZero() {
		meta.Created = time.Now()
	}
	created := meta.Created.UTC().Truncate(time.Second)

	var res []*waczResource
	names := map[string]bool{}
	for _, p := range warcs {
		name := filepath.Base(p)
		if names[name] {
			return fail(fmt.Errorf("two WARC files named %s", name))
		}
		names[name] = true
		r := &waczResource{Name: name, Path: "archive/" + name, src: p}
		if err := hashFile(r); err != nil {
			return fail(err)
		}
		res = append(res, r)
	}

	pages, err := pagesFromIndex(index, names)
	if err != nil {
		return fail(fmt.Errorf("index %s: %w", index, err))
	}
	idx := &waczResource{Name: "index.cdxj", Path: "indexes/index.cdxj", src: index}
	if err := hashFile(idx); err != nil {
		return fail(err)
	}
	res = append(res, idx, dataResource("pages.jsonl", "pages/pages.jsonl", pages))

	pkg := map[string]any{
		"profile":      waczProfile,
		"wacz_version": waczVersion,
		"created":      created.Format(time.RFC3339),
		"modified":     created.Format(time.RFC3339),
		"resources":    res,
	}
	for k, v := range map[string]string{"title": meta.Title, "description": meta.Description, "software": meta.Software} {
		if v != "" {
			pkg[k] = v
		}
	}
	dp, err := json.MarshalIndent(pkg, "", "  ")
	if err != nil {
		return fail(err)
	}
	dpRes := dataResource("datapackage.json", "datapackage.json", dp)
	digest, err := json.MarshalIndent(map[string]string{"path": "datapackage.json", "hash": dpRes.Hash}, "", "  ")
	if err != nil {
		return fail(err)
	}
	entries := append(res, dpRes, dataResource("datapackage-digest.json", "datapackage-digest.json", digest))

	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fail(err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<20)
	zw := zip.NewWriter(bw)
	for _, r := range entries {
		if err := storeEntry(zw, r, created); err != nil {
			return fail(err)
		}
	}
	if err := zw.Close(); err != nil {
		return fail(err)
	}
	if err := bw.Flush(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fail(err)
	}
	return nil
}

func dataResource(name, path string, data []byte) *waczResource {
	sum := sha256.Sum256(data)
	return &waczResource{
		Name: name, Path: path, data: data,
		Hash: "sha256:" + hex.EncodeToString(sum[:]), Bytes: int64(len(data)),
		crc: crc32.ChecksumIEEE(data),
	}
}

// hashFile fills in r's size, sha256 and CRC-32 from its source file.
func hashFile(r *waczResource) error {
	f, err := os.Open(r.src)
	if err != nil {
		return err
	}
	defer f.Close()
	sha, crc := sha256.New(), crc32.NewIEEE()
	n, err := io.Copy(io.MultiWriter(sha, crc), f)
	if err != nil {
		return fmt.Errorf("read %s: %w", r.src, err)
	}
	r.Bytes, r.Hash, r.crc = n, "sha256:"+hex.EncodeToString(sha.Sum(nil)), crc.Sum32()
	return nil
}

// storeEntry writes r uncompressed with sizes and CRC in the local header,
// failing if a source file changed size since it was hashed.
func storeEntry(zw *zip.Writer, r *waczResource, mod time.Time) error {
	fh := &zip.FileHeader{
		Name:               r.Path,
		Method:             zip.Store,
		CRC32:              r.crc,
		CompressedSize64:   uint64(r.Bytes),
		UncompressedSize64: uint64(r.Bytes),
	}
	// CreateRaw, unlike CreateHeader, keeps the sizes in the local header (no
	// data descriptor, which streaming readers of STORE entries need), but it
	// ignores Modified: set the MS-DOS date and time it does write.
	//lint:ignore SA1019 the deprecated fields are the ones CreateRaw writes
	fh.ModifiedDate, fh.ModifiedTime = uint16(mod.Day()+int(mod.Month())<<5+(mod.Year()-1980)<<9), uint16(mod.Second()/2+mod.Minute()<<5+mod.Hour()<<11)
	w, err := zw.CreateRaw(fh)
	if err != nil {
		return err
	}
	if r.src == "" {
		_, err = w.Write(r.data)
		return err
	}
	f, err := os.Open(r.src)
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := io.Copy(w, f)
	if err != nil {
		return fmt.Errorf("copy %s: %w", r.src, err)
	}
	if n != r.Bytes {
		return fmt.Errorf("%s changed while packing (%d bytes, was %d)", r.src, n, r.Bytes)
	}
	return nil
}

// pagesFromIndex builds pages.jsonl from a CDXJ index: the header line, then
// one page per distinct URL at its earliest timestamp, ordered by that time.
// It also checks that every line names one of the WARC files.
func pagesFromIndex(index string, warcs map[string]bool) ([]byte, error) {
	f, err := os.Open(index)
	if err != nil {
		return nil, err
	}
	defer f.Close()

	type page struct {
		ID    string `json:"id"`
		URL   string `json:"url"`
		TS    string `json:"ts"`
		Title string `json:"title,omitempty"`
		t     time.Time
	}
	first := map[string]*page{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		parts := strings.SplitN(sc.Text(), " ", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("line %d: not a CDXJ line", line)
		}
		var e cdxjEntry
		if err := json.Unmarshal([]byte(parts[2]), &e); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if !warcs[e.Filename] {
			return nil, fmt.Errorf("line %d: WARC file %q is not being packed", line, e.Filename)
		}
		t, err := time.Parse("20060102150405", parts[1])
		if err != nil {
			return nil, fmt.Errorf("line %d: timestamp: %w", line, err)
		}
		if p := first[e.URL]; p == nil || t.Before(p.t) {
			sum := sha256.Sum256([]byte(e.URL))
			first[e.URL] = &page{ID: hex.EncodeToString(sum[:8]), URL: e.URL, TS: t.Format(time.RFC3339), Title: e.Target, t: t}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	pages := slices.Collect(maps.Values(first))
	slices.SortFunc(pages, func(a, b *page) int {
		return cmp.Or(a.t.Compare(b.t), strings.Compare(a.URL, b.URL))
	})
	var out bytes.Buffer
	out.WriteString(pagesHeader + "\n")
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	for _, p := range pages {
		if err := enc.Encode(p); err != nil {
			return nil, err
		}
	}
	return out.Bytes(), nil
}
