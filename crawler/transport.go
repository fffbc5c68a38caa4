package crawler

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strings"
	"sync"
	"time"
)

// newTransport builds a Fetcher's transports: the ordinary one, and the
// restricted one that Request.Restricted fetches (page, redirects and
// robots.txt) go through.
//
// The restricted transport is separate rather than a mode of the ordinary
// one so that its connection pool only ever holds connections dialed under
// the address check: a keep-alive connection opened by an unrestricted
// request (say to a configured URL on 127.0.0.1) can never be reused by a
// restricted request to the same host:port, while restricted requests keep
// the benefit of keep-alive among themselves. Reusing a checked connection
// is safe even if the name later rebinds: it still goes to the address that
// passed the check.
//
// The restricted transport uses no proxy, environment or not: through a
// proxy we would dial the proxy's address, and the proxy would resolve and
// connect to the target unchecked.
func newTransport(opt Options, restricted bool) *http.Transport {
	dialer := &net.Dialer{Timeout: opt.ConnectTimeout, KeepAlive: 30 * time.Second}
	proxy := http.ProxyFromEnvironment
	if restricted {
		dialer.Control = dialControl(opt.AllowNetworks)
		proxy = nil
	}
	return &http.Transport{
		Proxy:                 proxy,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   opt.ConnectTimeout,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   max(opt.Parallelism, 2),
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// fetchStateKey is the context key under which a Fetch attempt hands its
// *fetchState to captureTransport. colly builds each request with
// req.WithContext(context.WithValue(collector.Context, ...)), so a value put
// into the clone's Context reaches the transport, redirects included.
type fetchStateKey struct{}

// fetchState is what one attempt keeps at the transport level:
//   - a cookie jar of its own, so that a site that sets a cookie and
//     redirects to itself works, while nothing carries over between checks
//     (every check sees the page as a first-time visitor would);
//   - the raw bytes of the last response body, as they came off the wire
//     (after Go's transparent gzip decoding): colly converts bodies whose
//     Content-Type names a non-UTF-8 charset to UTF-8, and gunzips bodies
//     whose Content-Type mentions gzip, but archivists need the original.
type fetchState struct {
	jar      http.CookieJar
	limit    int64 // bytes kept at most: the caller's maximum plus one, to see a body overflow it
	mu       sync.Mutex
	body     []byte
	overflow bool
	// swallow: the response's body is read here in full and its reader
	// (colly) sees an empty body, so that a page is not read into a
	// second, growing buffer that nobody uses. Fetcher.visit sets it for
	// the final response, once colly has its headers; every response
	// starts without it (robots.txt, redirects: net/http reads at most
	// 2 KiB of those before it moves on).
	swallow bool
}

// presizeMax bounds the buffer allocated for a body from its declared
// Content-Length before any of it arrives.
const presizeMax = 2 << 20

func newFetchState(limit int64) *fetchState {
	jar, _ := cookiejar.New(nil) // never fails with nil options
	return &fetchState{jar: jar, limit: limit}
}

// reset starts a new response (the next hop of a redirect chain) of size
// bytes, or -1 when unknown.
func (s *fetchState) reset(size int64) {
	s.mu.Lock()
	s.body = s.body[:0]
	if size > 0 && size >= int64(cap(s.body)) && size <= s.limit {
		// One allocation for the whole body rather than a doubling
		// append, but not more than presizeMax up front, whatever a
		// server declares. One byte more, so that the read that finds
		// the end of the body needs no second buffer (see readFrom).
		s.body = make([]byte, 0, min(size+1, presizeMax))
	}
	s.overflow, s.swallow = false, false
	s.mu.Unlock()
}

// swallowBody has the current response's body read into s in full, its
// reader seeing none (see swallow).
func (s *fetchState) swallowBody() {
	s.mu.Lock()
	s.swallow = true
	s.mu.Unlock()
}

func (s *fetchState) write(p []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	room := s.limit - int64(len(s.body))
	if int64(len(p)) > room {
		p = p[:max(room, 0)]
		s.overflow = true
	}
	s.body = append(s.body, p...)
}

// readFrom reads r into the body until EOF, or until it holds limit bytes
// (overflow; the rest is left unread). It reads into the buffer's spare
// room, and through a small probe once the buffer is full: a body of
// unknown length, or longer than it declared.
func (s *fetchState) readFrom(r io.Reader) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		room := s.limit - int64(len(s.body))
		if room <= 0 {
			s.overflow = true
			return nil
		}
		if len(s.body) == cap(s.body) {
			s.body = slices.Grow(s.body, 512)
		}
		free := s.body[len(s.body):cap(s.body)]
		n, err := r.Read(free[:min(int64(len(free)), room)])
		s.body = s.body[:len(s.body)+n]
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// result hands over the body read so far and whether it overflowed; call it
// once the response is done with.
func (s *fetchState) result() ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	body := s.body
	s.body = nil
	if len(body) == 0 {
		body = nil
	}
	return body, s.overflow
}

// captureTransport wraps the shared transports: a request of a Restricted
// Fetch (its context says so) goes through restricted, any other through
// base. Requests without a fetchState in their context are otherwise passed
// through untouched.
type captureTransport struct {
	base       http.RoundTripper
	restricted http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t captureTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if r := restrictionFrom(req.Context()); r != nil && r.restricted {
		base = restrictedRoundTripper{t.restricted}
	}
	st, ok := req.Context().Value(fetchStateKey{}).(*fetchState)
	if !ok {
		return base.RoundTrip(req)
	}
	if cookies := st.jar.Cookies(req.URL); len(cookies) > 0 {
		req = req.Clone(req.Context()) // a RoundTripper must not modify its request
		for _, c := range cookies {
			req.AddCookie(c)
		}
	}
	resp, err := base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	if rc := resp.Cookies(); len(rc) > 0 {
		st.jar.SetCookies(req.URL, rc)
	}
	st.reset(resp.ContentLength)
	resp.Body = &teeBody{ReadCloser: resp.Body, st: st}
	return resp, nil
}

// collyGunzips reports whether colly reads the body of a response with
// header, for a request of path, through a gzip reader (httpBackend.Do):
// it would fail to decode the empty body a swallowing fetchState leaves
// it. net/http removes Content-Encoding from a body it decoded itself.
func collyGunzips(header http.Header, path string) bool {
	enc := strings.ToLower(header.Get("Content-Encoding"))
	return strings.Contains(enc, "gzip") ||
		(enc == "" && strings.Contains(strings.ToLower(header.Get("Content-Type")), "gzip")) ||
		strings.HasSuffix(strings.ToLower(path), ".xml.gz")
}

// teeBody copies what its reader reads into a fetchState or, when the
// state swallows the body at the first Read, reads all of it into the
// state and reports an empty body.
type teeBody struct {
	io.ReadCloser
	st   *fetchState
	read bool // Read was called
}

func (b *teeBody) Read(p []byte) (int, error) {
	if !b.read {
		b.read = true
		b.st.mu.Lock()
		swallow := b.st.swallow
		b.st.mu.Unlock()
		if swallow {
			if err := b.st.readFrom(b.ReadCloser); err != nil {
				return 0, err
			}
			return 0, io.EOF
		}
	}
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.st.write(p[:n])
	}
	return n, err
}

// restrictedRoundTripper labels an address refusal of the restricted
// transport with the URL being requested (a redirect hop, perhaps).
type restrictedRoundTripper struct {
	base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t restrictedRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.base == nil { // never expected; fail closed rather than go unchecked
		return nil, &hopError{url: req.URL.Redacted(), err: fmt.Errorf("%w: no restricted transport", ErrForbiddenAddress)}
	}
	resp, err := t.base.RoundTrip(req)
	if ae, ok := dialRefusal(err); ok {
		return resp, &hopError{url: req.URL.Redacted(), err: ae}
	}
	return resp, err
}
