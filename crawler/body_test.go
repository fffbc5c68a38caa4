package crawler

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestBodiesKeptWhole fetches bodies of many sizes, with and without a
// Content-Length, around the size limit: each arrives byte for byte, and
// one byte over the limit is ErrTooLarge.
func TestBodiesKeptWhole(t *testing.T) {
	const limit = 100_000
	for _, size := range []int{0, 1, 511, 512, 513, 4096, 65_537, limit - 1, limit, limit + 1} {
		for _, chunked := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d bytes chunked %v", size, chunked), func(t *testing.T) {
				t.Parallel()
				body := make([]byte, size)
				for i := range body {
					body[i] = byte('a' + i*7%26)
				}
				srv, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if !chunked {
						w.Header().Set("Content-Length", fmt.Sprint(size))
					}
					for i := 0; i < len(body); i += 1000 {
						w.Write(body[i:min(i+1000, len(body))])
						if chunked {
							w.(http.Flusher).Flush()
						}
					}
				}))
				o := testOptions()
				o.MaxBodySize = limit
				resp, err := newTestFetcher(t, o).Fetch(context.Background(), Request{URL: srv.URL + "/page"})
				if size > limit {
					if !errors.Is(err, ErrTooLarge) {
						t.Fatalf("err = %v, want ErrTooLarge", err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(resp.Body, body) {
					t.Errorf("body: %d bytes, want %d bytes as sent", len(resp.Body), len(body))
				}
			})
		}
	}
}

// TestGzipFileKeptAsSent fetches gzip files that the transport does not
// decode (no Content-Encoding): one whose Content-Type says gzip, and a
// sitemap named .xml.gz. colly reads both through a gzip reader, so their
// bodies must reach colly, and the capture keeps the bytes as sent.
func TestGzipFileKeptAsSent(t *testing.T) {
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	fmt.Fprint(zw, "<p>policy text</p>")
	zw.Close()
	srv, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".xml.gz") {
			w.Header().Set("Content-Type", "application/xml")
		} else {
			w.Header().Set("Content-Type", "application/gzip")
		}
		w.Write(z.Bytes())
	}))
	f := newTestFetcher(t, testOptions())
	for _, path := range []string{"/policy.gz", "/sitemap.xml.gz"} {
		resp, err := f.Fetch(context.Background(), Request{URL: srv.URL + path})
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if !bytes.Equal(resp.Body, z.Bytes()) {
			t.Errorf("%s: body %q, want the gzip bytes as sent", path, resp.Body)
		}
	}
}

// TestSwallowedBodyNotCopied checks the transport hands a fetchState told
// to swallow the whole body while its reader sees an empty one, and leaves
// the body to the reader otherwise (robots.txt, redirects).
func TestSwallowedBodyNotCopied(t *testing.T) {
	page := bytes.Repeat([]byte("policy "), 10_000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(page) }))
	t.Cleanup(srv.Close)
	for _, swallow := range []bool{true, false} {
		st := newFetchState(1 << 20)
		req, err := http.NewRequestWithContext(context.WithValue(t.Context(), fetchStateKey{}, st), http.MethodGet, srv.URL+"/page", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := captureTransport{base: http.DefaultTransport}.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		if swallow {
			st.swallowBody() // as Fetcher.visit does once colly has the headers
		}
		seen, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		body, overflow := st.result()
		if want := map[bool]int{true: 0, false: len(page)}[swallow]; len(seen) != want || !bytes.Equal(body, page) || overflow {
			t.Errorf("swallow %v: reader saw %d bytes (want %d), state kept %d of %d (overflow %v)",
				swallow, len(seen), want, len(body), len(page), overflow)
		}
	}
}

// TestFetchReadsABodyOnce fetches a 1.4 MB page: the fetch allocates about
// the page once, the buffer the capture keeps, not again for colly's copy
// of it grown by doubling.
func TestFetchReadsABodyOnce(t *testing.T) {
	page := bytes.Repeat([]byte("policy "), 200_000) // 1.4 MB: under presizeMax
	srv, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(page)))
		w.Write(page)
	}))
	f := newTestFetcher(t, testOptions())
	if _, err := f.Fetch(t.Context(), Request{URL: srv.URL + "/warm"}); err != nil { // connections, robots.txt
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	resp, err := f.Fetch(t.Context(), Request{URL: srv.URL + "/page"})
	runtime.ReadMemStats(&after)
	if err != nil || !bytes.Equal(resp.Body, page) {
		t.Fatalf("fetch: %d bytes, %v", len(resp.Body), err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > uint64(len(page))*3/2 {
		t.Errorf("fetching %d bytes allocated %d", len(page), got)
	}
}

// TestRedirectBodyNotRead follows a redirect whose body never ends: the
// client reads a little of it and moves on, as net/http does, rather than
// waiting for the whole of it.
func TestRedirectBodyNotRead(t *testing.T) {
	srv, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/final" {
			fmt.Fprint(w, "moved here")
			return
		}
		w.Header().Set("Location", "/final")
		w.WriteHeader(http.StatusFound)
		w.Write(bytes.Repeat([]byte("x"), 4096))
		w.(http.Flusher).Flush()
		<-r.Context().Done() // the rest never comes
	}))
	o := testOptions()
	o.Timeout = 5 * time.Second
	resp, err := newTestFetcher(t, o).Fetch(context.Background(), Request{URL: srv.URL + "/old"})
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != "moved here" || !strings.HasSuffix(resp.FinalURL, "/final") {
		t.Errorf("body %q final URL %q, want the page moved to", resp.Body, resp.FinalURL)
	}
}

// TestPresizedBodyReadInPlace: a body of its declared length is read into
// the buffer sized for it, also from a reader that reports the end only
// on the read after the last bytes (the buffer keeps a byte of room for
// that read), and a body longer than declared still arrives whole.
func TestPresizedBodyReadInPlace(t *testing.T) {
	page := bytes.Repeat([]byte("policy "), 1_000)
	st := newFetchState(1 << 20)
	st.reset(int64(len(page)))
	room := cap(st.body)
	if err := st.readFrom(bytes.NewReader(page)); err != nil { // EOF comes alone
		t.Fatal(err)
	}
	body, overflow := st.result()
	if !bytes.Equal(body, page) || overflow || cap(body) != room {
		t.Errorf("kept %d of %d bytes (overflow %v), buffer %d bytes, want the one of %d", len(body), len(page), overflow, cap(body), room)
	}
	st.reset(int64(len(page) / 2)) // declared short
	if err := st.readFrom(bytes.NewReader(page)); err != nil {
		t.Fatal(err)
	}
	if body, _ := st.result(); !bytes.Equal(body, page) {
		t.Errorf("a body longer than declared: kept %d of %d bytes", len(body), len(page))
	}
}
