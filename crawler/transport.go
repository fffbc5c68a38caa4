package crawler

import (
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"sync"
	"time"
)

// newTransport builds the one *http.Transport every request goes through.
func newTransport(opt Options) *http.Transport {
	dialer := &net.Dialer{Timeout: opt.ConnectTimeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
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
	jar   http.CookieJar
	limit int64 // bytes kept at most; reading more marks overflow

	mu       sync.Mutex
	body     []byte
	overflow bool
}

func newFetchState(limit int64) *fetchState {
	jar, _ := cookiejar.New(nil) // never fails with nil options
	return &fetchState{jar: jar, limit: limit}
}

// reset starts a new response (the next hop of a redirect chain).
func (s *fetchState) reset() {
	s.mu.Lock()
	s.body = s.body[:0]
	s.overflow = false
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

// captureTransport wraps the shared transport; requests without a
// fetchState in their context pass through untouched.
type captureTransport struct {
	base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t captureTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	st, ok := req.Context().Value(fetchStateKey{}).(*fetchState)
	if !ok {
		return t.base.RoundTrip(req)
	}
	if cookies := st.jar.Cookies(req.URL); len(cookies) > 0 {
		req = req.Clone(req.Context()) // a RoundTripper must not modify its request
		for _, c := range cookies {
			req.AddCookie(c)
		}
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	if rc := resp.Cookies(); len(rc) > 0 {
		st.jar.SetCookies(req.URL, rc)
	}
	st.reset()
	resp.Body = &teeBody{ReadCloser: resp.Body, st: st}
	return resp, nil
}

// teeBody copies what its reader reads into a fetchState.
type teeBody struct {
	io.ReadCloser
	st *fetchState
}

func (b *teeBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.st.write(p[:n])
	}
	return n, err
}
