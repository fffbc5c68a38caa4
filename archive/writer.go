// Package archive exports redline captures in web-archive formats: WARC 1.1
// files (gzip, one member per record) with a CDXJ index, and WACZ 1.2
// packages built from them.
//
// WARC records are built and framed by github.com/nlnwa/gowarc/v3; this
// package decides what goes into them.
package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nlnwa/gowarc/v3"
)

// Record is one capture to export: the request redline sent and the
// response it got.
type Record struct {
	CaptureID     int64       // redline capture id; goes to the CDXJ field "redline_capture"
	Target        string      // redline target name; CDXJ "redline_target", WACZ page title
	URL           string      // absolute http(s) URL whose response this is (WARC-Target-URI)
	FetchedAt     time.Time   // WARC-Date (written in UTC, with fractional seconds); required
	Method        string      // request method; "GET" when empty
	RequestHeader http.Header // headers sent; nil writes a request with only Host
	Status        int         // HTTP status, 100..999
	Header        http.Header // response headers as received by Go's client
	Body          []byte      // payload as stored (transfer-decoded)
	BodySHA256    string      // hex sha256 of Body as recorded by redline; checked when set
}

// Options configures a Writer. The zero value is usable.
type Options struct {
	MaxFileSize int64  // start a new file once one reaches this many bytes; 0 = 1 GiB
	Software    string // e.g. "redline/1.2.3", warcinfo "software"
	Operator    string // optional, warcinfo "operator"
	Description string // optional, warcinfo "description"
}

const (
	warcExt        = ".warc.gz"
	openSuffix     = ".open" // gowarc's name for a file still being written
	defaultMaxSize = 1 << 30
	revisitProfile = gowarc.ProfileIdenticalPayloadDigestV1_1
	revisitMime    = "warc/revisit"
)

// Writer writes captures as WARC 1.1 files plus one CDXJ index.
//
// Naming: for NewWriter("dir/out.warc.gz", ...) the first file is
// dir/out.warc.gz; each rotation starts the next of dir/out-00001.warc.gz,
// dir/out-00002.warc.gz, ... Files returns them in that order. While a file is
// being written it carries gowarc's ".open" suffix; it gets its final name
// when the Writer rotates away from it or is closed. The index is
// dir/out.cdxj, written by Close.
//
// Every file starts with its own warcinfo record; a capture's request and
// response (or revisit) always land in the same file. A file is closed once
// it has reached Options.MaxFileSize, so a file can exceed that size by at
// most one capture.
//
// A Writer is safe for concurrent use. Close must be called, even after an
// error, to finish the files and stop gowarc's writer goroutines.
type Writer struct {
	mu sync.Mutex

	dir, base string // output directory (absolute) and file name without ".warc.gz"
	maxSize   int64
	fw        *gowarc.WarcFileWriter
	recOpts   []gowarc.WarcRecordOption

	files   []string // final paths, in creation order
	cur     string   // final base name of the file being written; "" when none is open
	curSize int64    // bytes written to it so far

	seen  map[string]*gowarc.RevisitRef // payload digest -> first response with that payload
	index []cdxjEntry
	stats map[string]int

	err    error // first failed Write; the files may hold a partial capture after it
	closed bool
	idx    string
}

// NewWriter prepares an export to path, which must end in ".warc.gz".
// Nothing is created until the first Write. NewWriter refuses to overwrite: it
// fails if path, the index, or any rotation file of the same export exists.
func NewWriter(path string, opt Options) (*Writer, error) {
	if !strings.HasSuffix(path, warcExt) || len(filepath.Base(path)) == len(warcExt) {
		return nil, fmt.Errorf("warc %s: file name must end in %s", path, warcExt)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("warc %s: %w", path, err)
	}
	dir := filepath.Dir(abs)
	base := strings.TrimSuffix(filepath.Base(abs), warcExt)
	if err := checkFree(dir, base); err != nil {
		return nil, fmt.Errorf("warc %s: %w", path, err)
	}
	if opt.MaxFileSize < 0 {
		return nil, fmt.Errorf("warc %s: negative MaxFileSize %d", path, opt.MaxFileSize)
	}
	maxSize := opt.MaxFileSize
	if maxSize == 0 {
		maxSize = defaultMaxSize
	}

	recOpts := []gowarc.WarcRecordOption{
		gowarc.WithVersion(gowarc.V1_1),
		gowarc.WithDefaultDigestAlgorithm("sha256"),
		gowarc.WithDefaultDigestEncoding(gowarc.Base16),
		// NewRecordBuilder only writes digest fields with this option.
		gowarc.WithAddMissingDigest(true),
		gowarc.WithStrictValidation(),
	}
	w := &Writer{
		dir:     dir,
		base:    base,
		maxSize: maxSize,
		recOpts: recOpts,
		seen:    map[string]*gowarc.RevisitRef{},
		stats:   map[string]int{},
	}
	info := warcinfoFields(opt, base)
	w.fw = gowarc.NewWarcFileWriter(
		gowarc.WithCompression(true),
		gowarc.WithCompressedFileSuffix(".gz"),
		gowarc.WithOpenFileSuffix(openSuffix),
		// Rotation is done here, between captures; gowarc's own check runs per
		// record and could split a request from its response.
		gowarc.WithMaxFileSize(0),
		gowarc.WithMaxConcurrentWriters(1),
		gowarc.WithFileNameGenerator(&nameGen{dir: dir, base: base}),
		gowarc.WithAddWarcConcurrentToHeader(true),
		gowarc.WithRecordOptions(recOpts...),
		gowarc.WithWarcInfoFunc(func(b gowarc.WarcRecordBuilder) error {
			_, err := b.WriteString(info)
			return err
		}),
	)
	return w, nil
}

// checkFree fails if any file of the export base in dir already exists.
func checkFree(dir, base string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		n := e.Name()
		rest, ok := strings.CutPrefix(n, base)
		if !ok {
			continue
		}
		if rest == ".cdxj" || rest == warcExt || rest == warcExt+openSuffix {
			return fmt.Errorf("%s already exists", filepath.Join(dir, n))
		}
		if serial, ok := strings.CutPrefix(rest, "-"); ok {
			serial = strings.TrimSuffix(serial, openSuffix)
			if s, ok := strings.CutSuffix(serial, warcExt); ok && isDigits(s) {
				return fmt.Errorf("%s already exists", filepath.Join(dir, n))
			}
		}
	}
	return nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// nameGen names the files of one export; gowarc appends ".gz".
type nameGen struct {
	dir, base string
	n         int // files named so far; only gowarc's single worker calls it
}

func (g *nameGen) NewWarcfileName() (string, string) {
	name := g.base + ".warc"
	if g.n > 0 {
		name = fmt.Sprintf("%s-%05d.warc", g.base, g.n)
	}
	g.n++
	return g.dir, name
}

// warcinfoFields is the application/warc-fields block of every warcinfo.
func warcinfoFields(opt Options, base string) string {
	var b strings.Builder
	field := func(name, value string) {
		if value = oneLine(value); value != "" {
			b.WriteString(name + ": " + value + "\r\n")
		}
	}
	field("software", opt.Software)
	field("format", "WARC File Format 1.1")
	field("conformsTo", "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/")
	field("isPartOf", base)
	field("operator", opt.Operator)
	field("description", opt.Description)
	return b.String()
}

// oneLine folds CR and LF into spaces so a value fits one header line.
func oneLine(s string) string {
	return strings.TrimSpace(strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s))
}

// Write appends one capture: a request record followed by a response record,
// the two joined by WARC-Concurrent-To. When this Writer already wrote a
// response with the same non-empty payload (same sha256), the response is
// written as a revisit record instead (profile identical-payload-digest,
// WARC-Refers-To, -Target-URI and -Date naming that earlier response) whose
// block is the HTTP response header only. Empty payloads are never
// deduplicated: a revisit would save nothing.
//
// Written HTTP headers: Transfer-Encoding is dropped (Body is not chunked)
// and Content-Length is set to len(Body); a different original length (a body
// cut short by redline's size limit) is kept as X-Redline-Orig-Content-Length.
// Content-Encoding is kept as received: Go's client deletes it when it decodes
// gzip, so when present it still describes Body.
//
// After a failed Write the current file may end in a partial capture; later
// Writes return the same error.
func (w *Writer) Write(ctx context.Context, r Record) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("warc %s: %w", w.firstName(), err)
	}
	c, err := prepare(r)
	if err != nil {
		return fmt.Errorf("warc %s: capture %d (%s): %w", w.firstName(), r.CaptureID, r.URL, err)
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return fmt.Errorf("warc %s: Write after Close", w.firstName())
	}
	if w.err != nil {
		return w.err
	}
	if err := w.write(r, c); err != nil {
		w.err = fmt.Errorf("warc %s: capture %d (%s): %w", w.firstName(), r.CaptureID, r.URL, err)
		return w.err
	}
	return nil
}

func (w *Writer) firstName() string {
	return filepath.Join(w.dir, w.base+warcExt)
}

func (w *Writer) write(r Record, c *capture) error {
	if w.cur != "" && w.curSize >= w.maxSize {
		if err := w.fw.Rotate(); err != nil {
			return fmt.Errorf("rotate: %w", err)
		}
		w.cur = ""
	}

	req, err := w.build(gowarc.Request, "application/http;msgtype=request", r, c.request)
	if err != nil {
		return fmt.Errorf("request record: %w", err)
	}
	resp, err := w.build(gowarc.Response, "application/http;msgtype=response", r, c.respHead, r.Body)
	if err != nil {
		_ = req.Close()
		return fmt.Errorf("response record: %w", err)
	}
	digest := resp.WarcHeader().Get(gowarc.WarcPayloadDigest)
	if want := "sha256:" + c.sha; digest != want {
		_, _ = req.Close(), resp.Close()
		return fmt.Errorf("payload digest %s, want %s", digest, want)
	}

	main := resp
	var newRef *gowarc.RevisitRef
	if ref := w.seen[digest]; ref != nil && len(r.Body) > 0 {
		rev, err := resp.ToRevisitRecord(ref)
		_ = resp.Close()
		if err != nil {
			_ = req.Close()
			return fmt.Errorf("revisit record: %w", err)
		}
		main = rev
	} else if len(r.Body) > 0 {
		if newRef, err = resp.CreateRevisitRef(revisitProfile); err != nil {
			_, _ = req.Close(), resp.Close()
			return fmt.Errorf("revisit ref: %w", err)
		}
	}
	kind := main.Type().String()

	res := w.fw.Write(req, main) // closes both records
	if len(res) != 2 {
		return errors.New("gowarc writer is closed")
	}
	for _, x := range res {
		if x.Err != nil {
			return x.Err
		}
	}
	if res[0].FileName != res[1].FileName {
		return fmt.Errorf("request and response went to different files %s and %s", res[0].FileName, res[1].FileName)
	}
	name := res[1].FileName
	if name != w.cur {
		w.cur = name
		w.files = append(w.files, filepath.Join(w.dir, name))
		w.stats[gowarc.Warcinfo.String()]++
	}
	// gowarc writes straight to the file and closes each gzip member, so the
	// file size is the end of the record just written.
	fi, err := os.Stat(filepath.Join(w.dir, name+openSuffix))
	if err != nil {
		return err
	}
	w.curSize = fi.Size()

	if newRef != nil {
		w.seen[digest] = newRef
	}
	w.stats[gowarc.Request.String()]++
	w.stats[kind]++
	mime := c.mime
	if kind == gowarc.Revisit.String() {
		mime = revisitMime
	}
	w.index = append(w.index, cdxjEntry{
		key:       surt(r.URL),
		ts:        r.FetchedAt.UTC().Format("20060102150405"),
		URL:       r.URL,
		Mime:      mime,
		Status:    strconv.Itoa(r.Status),
		Digest:    digest,
		Length:    strconv.FormatInt(w.curSize-res[1].FileOffset, 10),
		Offset:    strconv.FormatInt(res[1].FileOffset, 10),
		Filename:  name,
		CaptureID: r.CaptureID,
		Target:    r.Target,
	})
	return nil
}

// build makes one request or response record whose content block is the
// concatenation of parts.
func (w *Writer) build(t gowarc.RecordType, contentType string, r Record, parts ...[]byte) (gowarc.WarcRecord, error) {
	b := gowarc.NewRecordBuilder(t, w.recOpts...)
	b.AddWarcHeader(gowarc.WarcTargetURI, r.URL)
	b.AddWarcHeaderTime(gowarc.WarcDate, r.FetchedAt)
	b.AddWarcHeader(gowarc.ContentType, contentType)
	for _, p := range parts {
		if _, err := b.Write(p); err != nil {
			_ = b.Close()
			return nil, err
		}
	}
	rec, _, err := b.Build()
	return rec, err
}

// capture is a Record checked and rendered into HTTP messages.
type capture struct {
	request  []byte // the whole request block
	respHead []byte // the response block up to Body
	sha      string // hex sha256 of Body
	mime     string // for the CDXJ
}

func prepare(r Record) (*capture, error) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return nil, err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("URL is not an absolute http(s) URL")
	}
	if r.FetchedAt.IsZero() {
		return nil, errors.New("FetchedAt is zero")
	}
	if r.Status < 100 || r.Status > 999 {
		return nil, fmt.Errorf("bad HTTP status %d", r.Status)
	}
	sum := sha256.Sum256(r.Body)
	sha := hex.EncodeToString(sum[:])
	if r.BodySHA256 != "" && !strings.EqualFold(r.BodySHA256, sha) {
		return nil, fmt.Errorf("body sha256 is %s, redline recorded %s", sha, r.BodySHA256)
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	if !validToken(method) {
		return nil, fmt.Errorf("bad method %q", method)
	}

	var req bytes.Buffer
	req.WriteString(method + " " + u.RequestURI() + " HTTP/1.1\r\n")
	req.WriteString("Host: " + u.Host + "\r\n")
	writeHeader(&req, r.RequestHeader, "Host")
	req.WriteString("\r\n")

	h := maps.Clone(r.Header)
	if h == nil {
		h = http.Header{}
	}
	var origLen []string
	for k, v := range h {
		switch {
		case strings.EqualFold(k, "Transfer-Encoding"):
			delete(h, k)
		case strings.EqualFold(k, "Content-Length"):
			if len(v) != 1 || v[0] != strconv.Itoa(len(r.Body)) {
				origLen = append(origLen, v...)
			}
			delete(h, k)
		}
	}
	h["Content-Length"] = []string{strconv.Itoa(len(r.Body))}
	if len(origLen) > 0 {
		h["X-Redline-Orig-Content-Length"] = origLen
	}
	var resp bytes.Buffer
	resp.WriteString("HTTP/1.1 " + strconv.Itoa(r.Status) + " " + http.StatusText(r.Status) + "\r\n")
	writeHeader(&resp, h)
	resp.WriteString("\r\n")

	return &capture{
		request:  req.Bytes(),
		respHead: resp.Bytes(),
		sha:      sha,
		mime:     mimeType(r.Header),
	}, nil
}

// Files lists the final paths of the WARC files written so far, in order.
// The last one carries the ".open" suffix on disk until the Writer rotates
// or is closed.
func (w *Writer) Files() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.files...)
}

// Index returns the path of the CDXJ index, or "" before Close wrote it.
func (w *Writer) Index() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.idx
}

// Stats counts the records written per WARC-Type ("warcinfo", "request",
// "response", "revisit").
func (w *Writer) Stats() map[string]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return maps.Clone(w.stats)
}

// Close finishes the current WARC file and writes the CDXJ index of every
// response and revisit record of the export to "<base>.cdxj" beside the first
// file, sorted by SURT key then timestamp. If nothing was written, no WARC
// file exists and the index is empty. Close after Close does nothing.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	// Rotate reports the close/rename errors that Close would swallow.
	err := w.fw.Rotate()
	_ = w.fw.Close()
	if err != nil {
		return fmt.Errorf("warc %s: close: %w", w.firstName(), err)
	}
	for _, f := range w.files {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("warc %s: close: %w", w.firstName(), err)
		}
	}
	path := filepath.Join(w.dir, w.base+".cdxj")
	if err := writeCDXJ(path, w.index); err != nil {
		return fmt.Errorf("warc %s: index: %w", w.firstName(), err)
	}
	w.idx = path
	return nil
}
