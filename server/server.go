// Package server serves redline's record over HTTP, read-only, to
// archivists and readers: a JSON API under /api/v1/ (described by
// /api/v1/openapi.json), Atom feeds of changes under /feeds/, small
// server-rendered pages under /targets/, and the Memento protocol (RFC 7089)
// over the captures of each tracked URL under /timemap/link/, /timegate/ and
// /memento/.
//
// Archived bytes are never served as active content of the server's origin:
// raw bodies are attachments (or plain text) and mementos carry a sandboxing
// Content-Security-Policy.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"redline"
)

// Options configure a Server.
type Options struct {
	Store     redline.Store
	PublicURL string       // base URL for absolute links (feeds, Memento, "self"); "" = derive scheme://host from the request
	Log       *slog.Logger // nil = discard
	Version   string
}

// Server is an http.Handler serving the record kept in a store. It is safe
// for concurrent use.
type Server struct {
	store   redline.Store
	public  string // PublicURL without a trailing slash; "" = from the request
	log     *slog.Logger
	version string
	mux     *http.ServeMux
	routes  []string // patterns registered on mux, in order
	pages   *template.Template
}

// Limits of list endpoints.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// New returns a Server reading from opt.Store.
func New(opt Options) (*Server, error) {
	if opt.Store == nil {
		return nil, errors.New("server: no store")
	}
	public, err := checkPublicURL(opt.PublicURL)
	if err != nil {
		return nil, err
	}
	log := opt.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	pages, err := parsePages()
	if err != nil {
		return nil, fmt.Errorf("server: page templates: %w", err)
	}
	s := &Server{store: opt.Store, public: public, log: log, version: opt.Version, mux: http.NewServeMux(), pages: pages}
	s.register()
	return s, nil
}

// checkPublicURL validates a public base URL and strips its trailing slash.
func checkPublicURL(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("server: public URL %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("server: public URL %q: want an absolute http(s) URL without query or fragment", raw)
	}
	return strings.TrimRight(raw, "/"), nil
}

// register sets up every route but the Memento ones, which ServeHTTP routes
// on the raw request URI.
func (s *Server) register() {
	s.handle("GET /api/v1/targets", s.apiTargets)
	s.handle("GET /api/v1/targets/{name}", s.apiTarget)
	s.handle("GET /api/v1/targets/{name}/captures", s.apiCaptures)
	s.handle("GET /api/v1/targets/{name}/diff", s.apiTargetDiff)
	s.handle("GET /api/v1/captures/{id}", s.apiCapture)
	s.handle("GET /api/v1/captures/{id}/raw", s.apiRaw)
	s.handle("GET /api/v1/captures/{id}/text", s.apiText)
	s.handle("GET /api/v1/diff", s.apiDiff)
	s.handle("GET /api/v1/changes", s.apiChanges)
	s.handle("GET /api/v1/openapi.json", s.apiOpenAPI)

	s.handle("GET /feeds/changes.atom", s.feedAll)
	s.handle("GET /feeds/targets/{file}", s.feedTarget)
	s.handle("GET /feeds/tags/{file}", s.feedTag)

	s.handle("GET /{$}", s.pageIndex)
	s.handle("GET /targets/{name}", s.pageTarget)
	s.handle("GET /targets/{name}/changes/{id}", s.pageChange)

	s.handle("/", func(_ http.ResponseWriter, r *http.Request) error {
		return errorf(http.StatusNotFound, "%s: no such page", r.URL.Path)
	})
}

// handlerFunc is a handler that reports failure by returning an error,
// which the server turns into a JSON error response.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *Server) handle(pattern string, h handlerFunc) {
	s.routes = append(s.routes, pattern)
	s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	}))
}

// ServeHTTP serves one request. Only GET and HEAD are allowed.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		s.fail(w, r, errorf(http.StatusMethodNotAllowed, "%s %s: method not allowed; this server is read-only (GET, HEAD)", r.Method, r.URL.Path))
		return
	}
	// Memento URLs embed an absolute URI ("http://..."), whose "//" the
	// mux would clean away: route them on the raw request URI.
	if h, uriR, ok := s.mementoRoute(requestURI(r)); ok {
		if err := h(w, r, uriR); err != nil {
			s.fail(w, r, err)
		}
		return
	}
	s.mux.ServeHTTP(w, r)
}

// requestURI is the request target as sent by the client, in origin form.
func requestURI(r *http.Request) string {
	uri := r.RequestURI
	if uri == "" {
		return r.URL.RequestURI()
	}
	if !strings.HasPrefix(uri, "/") {
		// Absolute form ("GET http://host/path HTTP/1.1"): drop scheme and
		// authority.
		if i := strings.Index(uri, "://"); i >= 0 {
			rest := uri[i+3:]
			if j := strings.IndexByte(rest, '/'); j >= 0 {
				return rest[j:]
			}
			return "/"
		}
	}
	return uri
}

// httpError is an error with the HTTP status it should be answered with.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func errorf(status int, format string, a ...any) error {
	return &httpError{status: status, msg: fmt.Sprintf(format, a...)}
}

// storeError maps a store error about what to an HTTP error: ErrNotFound to
// 404, ErrPruned to 410; anything else stays a failure (500).
func storeError(err error, what string) error {
	switch {
	case errors.Is(err, redline.ErrNotFound):
		return errorf(http.StatusNotFound, "%s: not found", what)
	case errors.Is(err, redline.ErrPruned):
		return errorf(http.StatusGone, "%s: pruned by retention (its record and hashes remain)", what)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// errorJSON is the body of every error response.
type errorJSON struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
}

// fail answers with err as a JSON error. Errors that are not httpErrors are
// logged and answered with a 500 that does not reveal them.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var he *httpError
	if !errors.As(err, &he) {
		if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
			return // the client went away
		}
		s.log.Error("http request failed", "method", r.Method, "path", r.URL.Path, "error", err)
		he = &httpError{status: http.StatusInternalServerError, msg: r.URL.Path + ": internal error (logged on the server)"}
	}
	h := w.Header()
	for _, k := range []string{"Content-Disposition", "Content-Security-Policy", "ETag", "Repr-Digest", "Last-Modified", "Content-Encoding"} {
		h.Del(k)
	}
	writeJSON(w, he.status, errorJSON{Error: he.msg, Status: he.status})
}

// writeJSON writes v as the JSON response body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // served as JSON with nosniff; keeps "&" in URLs readable
	_ = enc.Encode(v)
}

// base is the base URL of absolute links: PublicURL, or scheme://host of
// the request.
func (s *Server) base(r *http.Request) string {
	if s.public != "" {
		return s.public
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// targetPath is the path of a target's human page.
func targetPath(name string) string { return "/targets/" + url.PathEscape(name) }

// changePath is the path of the human page of the change to capture id.
func changePath(name string, toCapture int64) string {
	return targetPath(name) + "/changes/" + strconv.FormatInt(toCapture, 10)
}

// apiTargetPath is the API path of a target.
func apiTargetPath(name string) string { return "/api/v1/targets/" + url.PathEscape(name) }

// capturePath is the API path of a capture.
func capturePath(id int64) string { return "/api/v1/captures/" + strconv.FormatInt(id, 10) }

// diffPath is the API path of the diff of two captures.
func diffPath(from, to int64) string {
	return "/api/v1/diff?from=" + strconv.FormatInt(from, 10) + "&to=" + strconv.FormatInt(to, 10)
}

// targetFeedPath is the path of a target's Atom feed.
func targetFeedPath(name string) string { return "/feeds/targets/" + url.PathEscape(name) + ".atom" }

// utc returns t in UTC, or nil for the zero time.
func utc(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// targetsByID lists every target, keyed by ID.
func (s *Server) targetsByID(ctx context.Context) (map[int64]redline.Target, error) {
	ts, err := s.store.Targets(ctx)
	if err != nil {
		return nil, fmt.Errorf("list targets: %w", err)
	}
	m := make(map[int64]redline.Target, len(ts))
	for _, t := range ts {
		m[t.ID] = t
	}
	return m, nil
}

// target returns the target named name, or a 404.
func (s *Server) target(ctx context.Context, name string) (redline.Target, error) {
	t, err := s.store.Target(ctx, name)
	if err != nil {
		return t, storeError(err, fmt.Sprintf("target %q", name))
	}
	return t, nil
}

// getCapture returns capture id, or a 404.
func (s *Server) getCapture(ctx context.Context, id int64) (redline.Capture, error) {
	c, err := s.store.Capture(ctx, id)
	if err != nil {
		return c, storeError(err, fmt.Sprintf("capture %d", id))
	}
	return c, nil
}

// capture returns capture id with its target, or a 404.
func (s *Server) capture(ctx context.Context, id int64) (redline.Capture, redline.Target, error) {
	c, err := s.getCapture(ctx, id)
	if err != nil {
		return c, redline.Target{}, err
	}
	ts, err := s.targetsByID(ctx)
	if err != nil {
		return c, redline.Target{}, err
	}
	t, ok := ts[c.TargetID]
	if !ok {
		return c, t, fmt.Errorf("capture %d: target %d is missing", id, c.TargetID)
	}
	return c, t, nil
}

// parseID parses a positive ID given as parameter name.
func parseID(name, v string) (int64, error) {
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, errorf(http.StatusBadRequest, "%s: %q: want a positive integer id", name, v)
	}
	return id, nil
}

// optionalID parses query parameter name as an ID; absent is 0.
func optionalID(q url.Values, name string) (int64, error) {
	v := q.Get(name)
	if v == "" {
		return 0, nil
	}
	return parseID(name, v)
}

// parseLimit parses the limit query parameter: default 100, at most 1000.
func parseLimit(q url.Values) (int, error) {
	v := q.Get("limit")
	if v == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, errorf(http.StatusBadRequest, "limit: %q: want a positive integer (at most %d)", v, maxLimit)
	}
	return min(n, maxLimit), nil
}

// parseTime parses query parameter name as an RFC 3339 time (or a plain
// date, taken as midnight UTC); absent is the zero time.
func parseTime(q url.Values, name string) (time.Time, error) {
	v := q.Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Time{}, errorf(http.StatusBadRequest, "%s: %q: want RFC 3339, e.g. 2025-03-01T12:00:00Z", name, v)
}

// parseBool parses query parameter name as a boolean (1, 0, true, false);
// absent is false.
func parseBool(q url.Values, name string) (bool, error) {
	v := q.Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, errorf(http.StatusBadRequest, "%s: %q: want 0 or 1", name, v)
	}
	return b, nil
}
