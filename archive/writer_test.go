package archive

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nlnwa/gowarc/v3"
)

func TestWriteReadBack(t *testing.T) {
	dir := t.TempDir()
	rs := sampleRecords()
	w := export(t, dir, rs, Options{Software: "redline/test", Operator: "ops@example.com", Description: "two\nlines"})

	want := filepath.Join(dir, "out.warc.gz")
	if got := w.Files(); !slices.Equal(got, []string{want}) {
		t.Fatalf("Files() = %v, want [%s]", got, want)
	}
	if got, want := w.Stats(), map[string]int{"warcinfo": 1, "request": 8, "response": 6, "revisit": 2}; !maps.Equal(got, want) {
		t.Errorf("Stats() = %v, want %v", got, want)
	}
	if _, err := os.Stat(want + openSuffix); !os.IsNotExist(err) {
		t.Errorf("open file left behind: %v", err)
	}

	recs := readWARC(t, want)
	if len(recs) != 1+2*len(rs) {
		t.Fatalf("read %d records, want %d", len(recs), 1+2*len(rs))
	}
	info := recs[0]
	if info.typ != "warcinfo" {
		t.Fatalf("first record is %s, want warcinfo", info.typ)
	}
	if got := info.h.Get(gowarc.WarcFilename); got != "out.warc.gz" {
		t.Errorf("WARC-Filename %q", got)
	}
	for _, f := range []string{"software: redline/test\r\n", "format: WARC File Format 1.1\r\n", "operator: ops@example.com\r\n", "description: two lines\r\n"} {
		if !bytes.Contains(info.block, []byte(f)) {
			t.Errorf("warcinfo lacks %q:\n%s", f, info.block)
		}
	}

	firstResp := map[string]readRec{} // payload sha -> first response with it
	for i, r := range rs {
		req, resp := recs[1+2*i], recs[2+2*i]
		wantType := "response"
		if i == 2 || i == 5 {
			wantType = "revisit"
		}
		if req.typ != "request" || resp.typ != wantType {
			t.Fatalf("capture %d: records %s, %s; want request, %s", i, req.typ, resp.typ, wantType)
		}
		for _, x := range []readRec{req, resp} {
			if got := x.h.Get(gowarc.WarcTargetURI); got != r.URL {
				t.Errorf("capture %d %s: target %q", i, x.typ, got)
			}
			if got, want := x.h.Get(gowarc.WarcDate), r.FetchedAt.Format(time.RFC3339Nano); got != want {
				t.Errorf("capture %d %s: WARC-Date %q, want %q", i, x.typ, got, want)
			}
			if got := x.h.GetId(gowarc.WarcWarcinfoID); got != info.id {
				t.Errorf("capture %d %s: WARC-Warcinfo-ID %q, want %q", i, x.typ, got, info.id)
			}
			if !strings.HasPrefix(x.h.Get(gowarc.WarcRecordID), "<urn:uuid:") {
				t.Errorf("capture %d %s: record id %q", i, x.typ, x.h.Get(gowarc.WarcRecordID))
			}
			for _, d := range []string{gowarc.WarcBlockDigest, gowarc.WarcPayloadDigest} {
				if v := x.h.Get(d); !strings.HasPrefix(v, "sha256:") || len(v) != len("sha256:")+64 {
					t.Errorf("capture %d %s: %s = %q", i, x.typ, d, v)
				}
			}
		}
		if req.h.GetId(gowarc.WarcConcurrentTo) != resp.id || resp.h.GetId(gowarc.WarcConcurrentTo) != req.id {
			t.Errorf("capture %d: request and %s not joined by WARC-Concurrent-To", i, resp.typ)
		}
		if resp.h.Get(gowarc.WarcPayloadDigest) != "sha256:"+sha(r.Body) {
			t.Errorf("capture %d: payload digest %s", i, resp.h.Get(gowarc.WarcPayloadDigest))
		}
		if resp.status != r.Status {
			t.Errorf("capture %d: status %d, want %d", i, resp.status, r.Status)
		}

		u, _ := url.Parse(r.URL)
		wantReq := "GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\n"
		if i == 0 {
			wantReq += "Accept: text/html\r\nAccept: */*;q=0.8\r\nUser-Agent: redline/test\r\n"
		}
		if got := string(req.block); got != wantReq+"\r\n" {
			t.Errorf("capture %d: request block\n%q\nwant\n%q", i, got, wantReq+"\r\n")
		}
		if len(req.payload) != 0 {
			t.Errorf("capture %d: request payload %q", i, req.payload)
		}

		hdr, body, ok := bytes.Cut(resp.block, []byte("\r\n\r\n"))
		if !ok {
			t.Fatalf("capture %d: no header end in %q", i, resp.block)
		}
		head := string(hdr) + "\r\n"
		if !strings.HasPrefix(head, fmt.Sprintf("HTTP/1.1 %d %s\r\n", r.Status, http.StatusText(r.Status))) {
			t.Errorf("capture %d: status line in %q", i, head)
		}
		if !strings.Contains(head, "\r\nContent-Length: "+strconv.Itoa(len(r.Body))+"\r\n") {
			t.Errorf("capture %d: Content-Length not len(Body) in %q", i, head)
		}
		if strings.Contains(head, "Transfer-Encoding") {
			t.Errorf("capture %d: Transfer-Encoding written: %q", i, head)
		}
		if i == 4 && !strings.Contains(head, "\r\nContent-Encoding: br\r\n") {
			t.Errorf("capture %d: Content-Encoding not kept: %q", i, head)
		}
		if i == 4 && !strings.Contains(head, "\r\nX-Redline-Orig-Content-Length: 9999\r\n") {
			t.Errorf("capture %d: original Content-Length not kept: %q", i, head)
		}
		if i == 1 && strings.Contains(head, "X-Redline-Orig") {
			t.Errorf("capture %d: matching Content-Length reported as original: %q", i, head)
		}

		if resp.typ == "response" {
			if !bytes.Equal(resp.payload, r.Body) || !bytes.Equal(body, r.Body) {
				t.Errorf("capture %d: payload %q, want %q", i, resp.payload, r.Body)
			}
			if _, dup := firstResp[sha(r.Body)]; !dup {
				firstResp[sha(r.Body)] = resp
			}
			continue
		}
		// revisit
		if len(body) != 0 {
			t.Errorf("capture %d: revisit block carries a payload: %q", i, body)
		}
		orig, ok := firstResp[sha(r.Body)]
		if !ok {
			t.Fatalf("capture %d: revisit without earlier response", i)
		}
		for field, want := range map[string]string{
			gowarc.WarcProfile:           gowarc.ProfileIdenticalPayloadDigestV1_1,
			gowarc.WarcRefersTo:          "<" + orig.id + ">",
			gowarc.WarcRefersToTargetURI: orig.h.Get(gowarc.WarcTargetURI),
			gowarc.WarcRefersToDate:      orig.h.Get(gowarc.WarcDate),
			gowarc.WarcPayloadDigest:     orig.h.Get(gowarc.WarcPayloadDigest),
		} {
			if got := resp.h.Get(field); got != want {
				t.Errorf("capture %d: %s = %q, want %q", i, field, got, want)
			}
		}
	}
}

// TestGzipMemberPerRecord checks that every record is its own gzip member,
// starting exactly where gowarc's reader found the record.
func TestGzipMemberPerRecord(t *testing.T) {
	dir := t.TempDir()
	w := export(t, dir, sampleRecords(), Options{})
	for _, f := range w.Files() {
		recs := readWARC(t, f)
		starts := gzipMembers(t, f)
		if len(starts) != len(recs) {
			t.Fatalf("%s: %d gzip members, %d records", f, len(starts), len(recs))
		}
		for i, r := range recs {
			if starts[i] != r.offset {
				t.Errorf("%s: member %d at %d, record at %d", f, i, starts[i], r.offset)
			}
		}
	}
}

// gzipMembers returns the offset of each gzip member of path and checks that
// each one holds exactly one WARC record header.
func gzipMembers(t *testing.T, path string) []int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr := &countReader{r: f}
	br := bufio.NewReader(cr)
	pos := func() int64 { return cr.n - int64(br.Buffered()) }
	var starts []int64
	var z *gzip.Reader
	for {
		start := pos()
		if z == nil {
			z, err = gzip.NewReader(br)
		} else {
			err = z.Reset(br)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: member at %d: %v", path, start, err)
		}
		z.Multistream(false)
		data, err := io.ReadAll(z)
		if err != nil {
			t.Fatalf("%s: member at %d: %v", path, start, err)
		}
		if !bytes.HasPrefix(data, []byte("WARC/1.1\r\n")) || !bytes.HasSuffix(data, []byte("\r\n\r\n")) {
			t.Errorf("%s: member at %d is not one whole record", path, start)
		}
		starts = append(starts, start)
	}
	return starts
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// rotationRecords is n captures of incompressible bodies over three URLs,
// every fourth repeating an earlier body.
func rotationRecords(n int) []Record {
	rng := rand.New(rand.NewPCG(1, 2))
	urls := []string{"https://example.com/a", "https://example.com/b?x=1", "http://www.example.net/"}
	var rs []Record
	var bodies [][]byte
	for i := range n {
		body := make([]byte, 300+rng.IntN(1500))
		for j := range body {
			body[j] = byte(rng.Uint32())
		}
		if i%4 == 3 {
			body = bodies[rng.IntN(len(bodies))]
		}
		bodies = append(bodies, body)
		rs = append(rs, Record{
			CaptureID: int64(i + 1), Target: fmt.Sprintf("t%d", i%3), URL: urls[i%3],
			FetchedAt: t0.Add(time.Duration(i) * time.Minute), Status: 200,
			Header: http.Header{"Content-Type": {"application/octet-stream"}}, Body: body,
		})
	}
	return rs
}

func TestRotation(t *testing.T) {
	dir := t.TempDir()
	const maxSize = 4 << 10
	rs := rotationRecords(24)
	w := export(t, dir, rs, Options{MaxFileSize: maxSize})

	files := w.Files()
	if len(files) < 3 {
		t.Fatalf("only %d files: %v", len(files), files)
	}
	for i, f := range files {
		want := filepath.Join(dir, "out.warc.gz")
		if i > 0 {
			want = filepath.Join(dir, fmt.Sprintf("out-%05d.warc.gz", i))
		}
		if f != want {
			t.Errorf("file %d is %s, want %s", i, f, want)
		}
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != len(files)+1 {
		t.Errorf("directory holds %d entries, want %d WARCs + index", len(ents), len(files))
	}
	if got := w.Stats()["warcinfo"]; got != len(files) {
		t.Errorf("%d warcinfo records for %d files", got, len(files))
	}

	where := map[string]string{} // record id -> file
	var all []readRec
	for i, f := range files {
		recs := readWARC(t, f)
		if len(recs) < 3 || recs[0].typ != "warcinfo" {
			t.Fatalf("%s does not start with warcinfo and hold a capture", f)
		}
		if got := recs[0].h.Get(gowarc.WarcFilename); got != filepath.Base(f) {
			t.Errorf("%s: WARC-Filename %q", f, got)
		}
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		last := recs[len(recs)-2] // request of the file's last capture
		if i < len(files)-1 && (fi.Size() < maxSize || last.offset >= maxSize) {
			t.Errorf("%s: %d bytes, last capture at %d: rotated at the wrong time", f, fi.Size(), last.offset)
		}
		for _, r := range recs {
			where[r.id] = f
			if r.typ != "warcinfo" && r.h.GetId(gowarc.WarcWarcinfoID) != recs[0].id {
				t.Errorf("%s: %s refers to another warcinfo", f, r.typ)
			}
		}
		all = append(all, recs...)
	}
	var reqs, mains int
	for _, r := range all {
		switch r.typ {
		case "request":
			reqs++
		case "response", "revisit":
			mains++
		default:
			continue
		}
		if other := r.h.GetId(gowarc.WarcConcurrentTo); where[other] != where[r.id] {
			t.Errorf("%s %s in %s, its pair in %q", r.typ, r.id, where[r.id], where[other])
		}
		if r.typ == "revisit" {
			if _, ok := where[r.h.GetId(gowarc.WarcRefersTo)]; !ok {
				t.Errorf("revisit %s refers to unknown record", r.id)
			}
		}
	}
	if reqs != len(rs) || mains != len(rs) || w.Stats()["revisit"] == 0 {
		t.Errorf("%d requests, %d responses+revisits for %d captures; stats %v", reqs, mains, len(rs), w.Stats())
	}

	checkIndex(t, w, rs)
}

// checkIndex verifies the CDXJ of an export: one line per response/revisit,
// sorted, and each offset/length pointing at exactly that record.
func checkIndex(t *testing.T, w *Writer, rs []Record) {
	t.Helper()
	if w.Index() != strings.TrimSuffix(w.Files()[0], ".warc.gz")+".cdxj" {
		t.Fatalf("Index() = %q", w.Index())
	}
	lines := readCDXJ(t, w.Index())
	if len(lines) != len(rs) {
		t.Fatalf("%d CDXJ lines for %d captures", len(lines), len(rs))
	}
	if !slices.IsSortedFunc(lines, func(a, b cdxjEntry) int { return strings.Compare(a.key+" "+a.ts, b.key+" "+b.ts) }) {
		t.Error("CDXJ not sorted")
	}
	byID := map[int64]Record{}
	for _, r := range rs {
		byID[r.CaptureID] = r
	}
	revisits := 0
	for _, l := range lines {
		r, ok := byID[l.CaptureID]
		if !ok {
			t.Fatalf("CDXJ line for unknown capture %d", l.CaptureID)
		}
		delete(byID, l.CaptureID)
		if l.key != surt(r.URL) || l.ts != r.FetchedAt.Format("20060102150405") || l.URL != r.URL || l.Target != r.Target ||
			l.Status != strconv.Itoa(r.Status) || l.Digest != "sha256:"+sha(r.Body) {
			t.Errorf("CDXJ line %+v does not describe capture %d", l, r.CaptureID)
		}
		off, _ := strconv.ParseInt(l.Offset, 10, 64)
		n, _ := strconv.ParseInt(l.Length, 10, 64)
		f, err := os.Open(filepath.Join(filepath.Dir(w.Index()), l.Filename))
		if err != nil {
			t.Fatal(err)
		}
		chunk := make([]byte, n)
		_, err = f.ReadAt(chunk, off)
		f.Close()
		if err != nil {
			t.Fatalf("%s at %d+%d: %v", l.Filename, off, n, err)
		}
		u := gowarc.NewUnmarshaler(gowarc.WithStrictValidation())
		br := bufio.NewReader(bytes.NewReader(chunk))
		rec, skipped, _, err := u.Unmarshal(br)
		if err != nil || skipped != 0 {
			t.Fatalf("%s at %d+%d: %v (skipped %d)", l.Filename, off, n, err, skipped)
		}
		typ := rec.Type().String()
		if rec.WarcHeader().Get(gowarc.WarcTargetURI) != r.URL || (typ != "response" && typ != "revisit") {
			t.Errorf("%s at %d: %s of %s, want response/revisit of %s", l.Filename, off, typ, rec.WarcHeader().Get(gowarc.WarcTargetURI), r.URL)
		}
		if (typ == "revisit") != (l.Mime == "warc/revisit") {
			t.Errorf("%s at %d: %s indexed with mime %s", l.Filename, off, typ, l.Mime)
		}
		if typ == "revisit" {
			revisits++
		}
		_ = rec.Close()
		if _, err := br.Peek(1); err != io.EOF {
			t.Errorf("%s at %d: length %d covers more than one record", l.Filename, off, n)
		}
	}
	if revisits != w.Stats()["revisit"] {
		t.Errorf("%d revisits indexed, %d written", revisits, w.Stats()["revisit"])
	}
}

func TestIndexSampleExport(t *testing.T) {
	rs := sampleRecords()
	w := export(t, t.TempDir(), rs, Options{})
	checkIndex(t, w, rs)
	for _, l := range readCDXJ(t, w.Index()) {
		want := map[int64]string{100: "text/html", 101: "text/plain", 103: "text/html", 104: "image/png", 106: "unk", 107: "unk"}[l.CaptureID]
		if l.CaptureID == 102 || l.CaptureID == 105 {
			want = "warc/revisit"
		}
		if l.Mime != want {
			t.Errorf("capture %d: mime %q, want %q", l.CaptureID, l.Mime, want)
		}
	}
}

func TestEmptyExport(t *testing.T) {
	dir := t.TempDir()
	w := export(t, dir, nil, Options{})
	if len(w.Files()) != 0 {
		t.Errorf("Files() = %v", w.Files())
	}
	data, err := os.ReadFile(filepath.Join(dir, "out.cdxj"))
	if err != nil || len(data) != 0 {
		t.Errorf("index: %q, %v", data, err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := w.Write(context.Background(), sampleRecords()[0]); err == nil {
		t.Error("Write after Close succeeded")
	}
}

func TestNewWriterRefuses(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{filepath.Join(dir, "out.warc"), filepath.Join(dir, ".warc.gz")} {
		if _, err := NewWriter(p, Options{}); err == nil {
			t.Errorf("NewWriter(%s) accepted", p)
		}
	}
	for _, existing := range []string{"out.warc.gz", "out.cdxj", "out-00003.warc.gz", "out.warc.gz.open", "out-00001.warc.gz.open"} {
		sub := t.TempDir()
		if err := os.WriteFile(filepath.Join(sub, existing), nil, 0o666); err != nil {
			t.Fatal(err)
		}
		if _, err := NewWriter(filepath.Join(sub, "out.warc.gz"), Options{}); err == nil {
			t.Errorf("NewWriter overwrote %s", existing)
		}
	}
	// Other exports in the same directory do not matter.
	for _, other := range []string{"out-old.warc.gz", "output.warc.gz", "out-1.txt"} {
		if err := os.WriteFile(filepath.Join(dir, other), nil, 0o666); err != nil {
			t.Fatal(err)
		}
	}
	w, err := NewWriter(filepath.Join(dir, "out.warc.gz"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestWriteRejects(t *testing.T) {
	good := sampleRecords()[0]
	for name, mod := range map[string]func(*Record){
		"sha mismatch": func(r *Record) { r.BodySHA256 = sha([]byte("other")) },
		"zero time":    func(r *Record) { r.FetchedAt = time.Time{} },
		"relative URL": func(r *Record) { r.URL = "/status" },
		"ftp URL":      func(r *Record) { r.URL = "ftp://example.com/x" },
		"status 0":     func(r *Record) { r.Status = 0 },
		"bad method":   func(r *Record) { r.Method = "GET /x" },
	} {
		t.Run(name, func(t *testing.T) {
			w, err := NewWriter(filepath.Join(t.TempDir(), "out.warc.gz"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			r := good
			mod(&r)
			err = w.Write(context.Background(), r)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), "out.warc.gz") {
				t.Errorf("error lacks the file: %v", err)
			}
			if s := w.Stats(); len(s) != 0 {
				t.Errorf("records written: %v", s)
			}
			// A rejected record writes nothing and does not poison the Writer.
			if err := w.Write(context.Background(), good); err != nil {
				t.Errorf("good record after rejected one: %v", err)
			}
		})
	}

	w, err := NewWriter(filepath.Join(t.TempDir(), "out.warc.gz"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := w.Write(ctx, good); err == nil || len(w.Stats()) != 0 {
		t.Errorf("Write with canceled context: %v, stats %v", err, w.Stats())
	}
}

func TestConcurrentWrites(t *testing.T) {
	dir := t.TempDir()
	w, err := NewWriter(filepath.Join(dir, "out.warc.gz"), Options{MaxFileSize: 4 << 10})
	if err != nil {
		t.Fatal(err)
	}
	rs := rotationRecords(40)
	errs := make(chan error, len(rs))
	for _, r := range rs {
		go func() { errs <- w.Write(context.Background(), r) }()
	}
	for range rs {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	checkIndex(t, w, rs)
}

// TestLargeBody covers bodies beyond gowarc's 1 MiB in-memory buffer, which
// spill to temporary files, as a response and then as a revisit.
func TestLargeBody(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef\x00\xff"), 3<<20/18)
	var rs []Record
	for i := range 2 {
		rs = append(rs, Record{CaptureID: int64(i + 1), URL: "https://example.com/big.bin", FetchedAt: t0.Add(time.Duration(i) * time.Second),
			Status: 200, Header: http.Header{"Content-Type": {"application/octet-stream"}}, Body: body, BodySHA256: sha(body)})
	}
	w := export(t, t.TempDir(), rs, Options{})
	recs := readWARC(t, w.Files()[0])
	if len(recs) != 5 || recs[2].typ != "response" || recs[4].typ != "revisit" {
		t.Fatalf("read %d records", len(recs))
	}
	if !bytes.Equal(recs[2].payload, body) {
		t.Error("payload differs")
	}
	checkIndex(t, w, rs)
}
