package archive

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nlnwa/gowarc/v3"
)

var t0 = time.Date(2025, 3, 4, 5, 6, 7, 890123456, time.UTC)

const (
	urlA = "https://www.example.com/status?b=2&a=1"
	urlB = "http://example.org:8080/caf%C3%A9"
)

var (
	latin1Body = []byte("Caf\xe9 cr\xe8me br\xfbl\xe9e \xa9 2025\n") // ISO-8859-1, not UTF-8
	binaryBody = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\r\n\r\nWARC/1.1\r\n\x1f\x8b\x08\x00"), bytes.Repeat([]byte{0, 0xff, 0x80, '\n'}, 64)...)
)

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// sampleRecords is a small export: two URLs, identical payloads (two
// revisits), a non-UTF-8 body, a 404, a binary body, and two empty bodies
// (which must stay responses).
func sampleRecords() []Record {
	html := []byte("<!doctype html><title>Status</title><p>All good</p>\n")
	rs := []Record{
		{URL: urlA, Status: 200, Body: html,
			Header:        http.Header{"Content-Type": {"text/html; charset=utf-8"}, "Etag": {`"v1"`}, "Set-Cookie": {"a=1", "b=2"}},
			RequestHeader: http.Header{"User-Agent": {"redline/test"}, "Accept": {"text/html", "*/*;q=0.8"}, "Host": {"ignored.example"}}},
		{URL: urlB, Status: 200, Body: latin1Body,
			Header: http.Header{"Content-Type": {"text/plain; charset=ISO-8859-1"}, "Content-Length": {strconv.Itoa(len(latin1Body))}}},
		{URL: urlA, Status: 200, Body: html, Method: "GET",
			Header: http.Header{"Content-Type": {"text/html; charset=utf-8"}, "Etag": {`"v1"`}, "Transfer-Encoding": {"chunked"}}},
		{URL: urlB, Status: 404, Body: []byte("<h1>Not Found</h1>\n"),
			Header: http.Header{"Content-Type": {"text/html"}}},
		{URL: urlA, Status: 200, Body: binaryBody,
			Header: http.Header{"Content-Type": {"image/png"}, "Content-Length": {"9999"}, "Content-Encoding": {"br"}}}, // cut short by redline; not decoded by Go
		{URL: urlB, Status: 200, Body: latin1Body,
			Header: http.Header{"Content-Type": {"text/plain; charset=ISO-8859-1"}}},
		{URL: urlA, Status: 304, Header: http.Header{"Etag": {`"v1"`}}},
		{URL: urlB, Status: 304},
	}
	for i := range rs {
		rs[i].CaptureID = int64(100 + i)
		rs[i].Target = map[string]string{urlA: "status page", urlB: "café"}[rs[i].URL]
		rs[i].FetchedAt = t0.Add(time.Duration(i) * time.Hour)
		rs[i].BodySHA256 = sha(rs[i].Body)
	}
	return rs
}

// export writes rs to dir/out.warc.gz and closes the Writer.
func export(t *testing.T, dir string, rs []Record, opt Options) *Writer {
	t.Helper()
	w, err := NewWriter(filepath.Join(dir, "out.warc.gz"), opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if err := w.Write(context.Background(), r); err != nil {
			_ = w.Close()
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w
}

// readRec is one record read back from a WARC file.
type readRec struct {
	file    string
	offset  int64
	size    int64
	typ     string
	id      string
	h       *gowarc.WarcFields
	block   []byte // whole content block
	payload []byte // payload for request/response, nil otherwise
	status  int    // HTTP status of response and revisit blocks
}

// readWARC reads every record of path with gowarc in strict mode, verifying
// digests with the library and recomputing them independently.
func readWARC(t *testing.T, path string) []readRec {
	t.Helper()
	rd, err := gowarc.NewWarcFileReader(path, 0, gowarc.WithStrictValidation())
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var out []readRec
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: record %d: %v", path, len(out), err)
		}
		if len(rec.Validation) > 0 {
			t.Errorf("%s: record %d: validation: %v", path, len(out), rec.Validation)
		}
		wr := rec.WarcRecord
		if v, err := wr.ValidateDigest(); err != nil || len(v) > 0 {
			t.Errorf("%s: record %d: ValidateDigest: %v %v", path, len(out), v, err)
		}
		r := readRec{file: filepath.Base(path), offset: rec.Offset, size: rec.Size, typ: wr.Type().String(), id: wr.RecordId(), h: wr.WarcHeader()}
		raw, err := wr.Block().RawBytes()
		if err != nil {
			t.Fatal(err)
		}
		if r.block, err = io.ReadAll(raw); err != nil {
			t.Fatal(err)
		}
		if got, want := r.h.Get(gowarc.WarcBlockDigest), "sha256:"+sha(r.block); got != want {
			t.Errorf("%s %s: block digest %s, recomputed %s", path, r.typ, got, want)
		}
		switch b := wr.Block().(type) {
		case gowarc.HttpResponseBlock:
			r.status = b.HttpStatusCode()
			r.payload = payloadOf(t, b)
		case gowarc.HttpRequestBlock:
			r.payload = payloadOf(t, b)
		}
		if r.typ == "revisit" {
			resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(r.block)), nil)
			if err != nil {
				t.Fatalf("revisit block: %v", err)
			}
			r.status = resp.StatusCode
		}
		if r.payload != nil || r.typ == "request" || r.typ == "response" {
			if got, want := r.h.Get(gowarc.WarcPayloadDigest), "sha256:"+sha(r.payload); got != want {
				t.Errorf("%s %s: payload digest %s, recomputed %s", path, r.typ, got, want)
			}
		}
		out = append(out, r)
		_ = rec.Close()
	}
	return out
}

func payloadOf(t *testing.T, b gowarc.PayloadBlock) []byte {
	t.Helper()
	p, err := b.PayloadBytes()
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(p)
	if err != nil {
		t.Fatal(err)
	}
	if data == nil {
		data = []byte{}
	}
	return data
}

func readCDXJ(t *testing.T, path string) []cdxjEntry {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []cdxjEntry
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if line == "" {
			continue
		}
		parts := strings.SplitN(line, " ", 3)
		if len(parts) != 3 {
			t.Fatalf("bad CDXJ line %q", line)
		}
		l := cdxjEntry{key: parts[0], ts: parts[1]}
		if err := json.Unmarshal([]byte(parts[2]), &l); err != nil {
			t.Fatalf("CDXJ line %q: %v", line, err)
		}
		out = append(out, l)
	}
	return out
}
