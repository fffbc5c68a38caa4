package server

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"redline"
)

// Memento (RFC 7089). The original resources (URI-R) are the URLs of the
// tracked targets; their mementos are the captures that hold a response
// body: Status > 0, a body, not pruned, not a 304. Captures of several
// targets tracking the same URL are merged, ordered by time.
//
//	/timemap/link/{URI-R}              TimeMap in application/link-format
//	/timegate/{URI-R}                  TimeGate: 302 to the memento nearest Accept-Datetime
//	/memento/{YYYYMMDDhhmmss}/{URI-R}  the capture fetched in that second, or a 302 to the nearest

// Memento URL prefixes.
const (
	timemapPrefix  = "/timemap/link/"
	timegatePrefix = "/timegate/"
	mementoPrefix  = "/memento/"
)

// mementoTimeFormat is the timestamp in memento URLs (UTC, to the second).
const mementoTimeFormat = "20060102150405"

// mementoHandler serves a Memento URL; rest is what follows its prefix in
// the raw request URI.
type mementoHandler func(w http.ResponseWriter, r *http.Request, rest string) error

// mementoRoute picks the handler of a Memento URL from the raw request URI.
func (s *Server) mementoRoute(uri string) (mementoHandler, string, bool) {
	for _, p := range []struct {
		prefix string
		h      mementoHandler
	}{{timemapPrefix, s.timemap}, {timegatePrefix, s.timegate}, {mementoPrefix, s.memento}} {
		if rest, ok := strings.CutPrefix(uri, p.prefix); ok {
			return p.h, rest, true
		}
	}
	return nil, "", false
}

// isMemento reports whether a capture is a memento of its URL.
func isMemento(c redline.Capture) bool {
	return c.Status > 0 && c.BodySHA256 != "" && c.PrunedAt.IsZero() && c.Outcome != redline.OutcomeNotModified
}

// parseURIR reads the URI-R of a Memento URL: everything after the prefix,
// query included. A percent-encoded URI-R is decoded, and a slash merged
// away by a client ("https:/host/") is put back.
func parseURIR(raw string) (string, error) {
	if raw == "" {
		return "", errorf(http.StatusBadRequest, "missing URI-R: want e.g. %shttps://example.gov/page", timegatePrefix)
	}
	lower := strings.ToLower(raw)
	if strings.HasPrefix(lower, "http%3a") || strings.HasPrefix(lower, "https%3a") {
		if u, err := url.PathUnescape(raw); err == nil {
			raw, lower = u, strings.ToLower(u)
		}
	}
	for _, scheme := range []string{"http:/", "https:/"} {
		if strings.HasPrefix(lower, scheme) && !strings.HasPrefix(lower, scheme+"/") {
			raw = raw[:len(scheme)] + "/" + raw[len(scheme):]
		}
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", errorf(http.StatusBadRequest, "URI-R %q: want an absolute http(s) URI", raw)
	}
	return raw, nil
}

// normalizeURI puts a URL in the form URI-Rs are compared in: scheme and
// host lowercased, default port dropped, empty path as "/", no fragment or
// user info, an empty query as none. A URL that does not parse is
// returned as is.
func normalizeURI(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return s
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Host)
	switch {
	case scheme == "http":
		host = strings.TrimSuffix(host, ":80")
	case scheme == "https":
		host = strings.TrimSuffix(host, ":443")
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	out := scheme + "://" + host + path
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	return out
}

// memento is one memento of a URI-R.
type memento struct {
	id int64
	at time.Time
}

// mementos returns the URI-R as tracked (the URL of the first matching
// target by name) and its mementos, oldest first; a 404 when there are
// none.
func (s *Server) mementos(ctx context.Context, uriR string) (string, []memento, error) {
	want := normalizeURI(uriR)
	ts, err := s.store.Targets(ctx)
	if err != nil {
		return "", nil, fmt.Errorf("list targets: %w", err)
	}
	var (
		ids      []int64
		original string
	)
	for _, t := range ts { // ordered by name
		if normalizeURI(t.URL) == want {
			ids = append(ids, t.ID)
			if original == "" {
				original = t.URL
			}
		}
	}
	if len(ids) == 0 {
		return "", nil, errorf(http.StatusNotFound, "%s: not a tracked URL", uriR)
	}
	const page = 1000
	var ms []memento
	for after := int64(0); ; {
		cs, err := s.store.ListCaptures(ctx, redline.CaptureFilter{TargetIDs: ids, WithResponse: true, Oldest: true, AfterID: after, Limit: page})
		if err != nil {
			return "", nil, fmt.Errorf("captures of %s: %w", uriR, err)
		}
		for _, c := range cs {
			// A target whose URL was edited keeps captures of its old URL.
			if isMemento(c) && normalizeURI(c.URL) == want {
				ms = append(ms, memento{id: c.ID, at: c.FetchedAt})
			}
		}
		if len(cs) < page {
			break
		}
		after = cs[len(cs)-1].ID
	}
	if len(ms) == 0 {
		return "", nil, errorf(http.StatusNotFound, "%s: no memento yet (no capture of it holds a response body)", uriR)
	}
	slices.SortStableFunc(ms, func(a, b memento) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return int(a.id - b.id)
	})
	return original, ms, nil
}

// nearest returns the memento nearest to t; on a tie, the earlier.
func nearest(ms []memento, t time.Time) memento {
	i := sort.Search(len(ms), func(i int) bool { return !ms[i].at.Before(t) })
	switch {
	case i == 0:
		return ms[0]
	case i == len(ms):
		return ms[len(ms)-1]
	}
	if t.Sub(ms[i-1].at) <= ms[i].at.Sub(t) {
		return ms[i-1]
	}
	return ms[i]
}

// httpTime formats t as an RFC 1123 date in GMT.
func httpTime(t time.Time) string { return t.UTC().Format(http.TimeFormat) }

// linkURI makes u safe inside the <> of a Link header.
func linkURI(u string) string {
	return strings.NewReplacer("<", "%3C", ">", "%3E", " ", "%20", `"`, "%22").Replace(u)
}

// mementoURL is the URL of the memento of uriR fetched at at.
func mementoURL(base, uriR string, at time.Time) string {
	return base + mementoPrefix + at.UTC().Format(mementoTimeFormat) + "/" + uriR
}

// mementoLinks is the Link header of TimeGate and memento responses.
func mementoLinks(base, original string, ms []memento) string {
	links := []string{
		fmt.Sprintf(`<%s>; rel="original"`, linkURI(original)),
		fmt.Sprintf(`<%s>; rel="timegate"`, linkURI(base+timegatePrefix+original)),
		fmt.Sprintf(`<%s>; rel="timemap"; type="application/link-format"`, linkURI(base+timemapPrefix+original)),
	}
	first, last := ms[0], ms[len(ms)-1]
	if len(ms) == 1 {
		links = append(links, fmt.Sprintf(`<%s>; rel="first last memento"; datetime="%s"`,
			linkURI(mementoURL(base, original, first.at)), httpTime(first.at)))
	} else {
		links = append(links,
			fmt.Sprintf(`<%s>; rel="first memento"; datetime="%s"`, linkURI(mementoURL(base, original, first.at)), httpTime(first.at)),
			fmt.Sprintf(`<%s>; rel="last memento"; datetime="%s"`, linkURI(mementoURL(base, original, last.at)), httpTime(last.at)))
	}
	return strings.Join(links, ", ")
}

// timemap serves the TimeMap of a URI-R in application/link-format.
func (s *Server) timemap(w http.ResponseWriter, r *http.Request, rest string) error {
	uriR, err := parseURIR(rest)
	if err != nil {
		return err
	}
	original, ms, err := s.mementos(r.Context(), uriR)
	if err != nil {
		return err
	}
	base := s.base(r)
	first, last := ms[0], ms[len(ms)-1]
	w.Header().Set("Content-Type", "application/link-format")
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "<%s>; rel=\"original\",\n", linkURI(original))
	fmt.Fprintf(bw, "<%s>; rel=\"self\"; type=\"application/link-format\"; from=\"%s\"; until=\"%s\",\n",
		linkURI(base+timemapPrefix+original), httpTime(first.at), httpTime(last.at))
	fmt.Fprintf(bw, "<%s>; rel=\"timegate\"", linkURI(base+timegatePrefix+original))
	for i, m := range ms {
		rel := "memento"
		switch {
		case len(ms) == 1:
			rel = "first last memento"
		case i == 0:
			rel = "first memento"
		case i == len(ms)-1:
			rel = "last memento"
		}
		fmt.Fprintf(bw, ",\n<%s>; rel=\"%s\"; datetime=\"%s\"", linkURI(mementoURL(base, original, m.at)), rel, httpTime(m.at))
	}
	_, _ = bw.WriteString("\n")
	_ = bw.Flush()
	return nil
}

// timegate redirects to the memento nearest in time to Accept-Datetime
// (the latest without one).
func (s *Server) timegate(w http.ResponseWriter, r *http.Request, rest string) error {
	uriR, err := parseURIR(rest)
	if err != nil {
		return err
	}
	want := time.Now()
	if v := r.Header.Get("Accept-Datetime"); v != "" {
		if want, err = http.ParseTime(v); err != nil {
			return errorf(http.StatusBadRequest, "Accept-Datetime: %q: want an RFC 1123 date, e.g. \"Sat, 01 Mar 2025 12:00:00 GMT\"", v)
		}
	}
	original, ms, err := s.mementos(r.Context(), uriR)
	if err != nil {
		return err
	}
	base := s.base(r)
	m := nearest(ms, want)
	h := w.Header()
	h.Set("Vary", "accept-datetime")
	h.Set("Location", mementoURL(base, original, m.at))
	h.Set("Link", mementoLinks(base, original, ms))
	w.WriteHeader(http.StatusFound)
	return nil
}

// memento serves the capture of a URI-R fetched in the second a memento
// URL names, or redirects to the nearest one.
func (s *Server) memento(w http.ResponseWriter, r *http.Request, rest string) error {
	stamp, raw, _ := strings.Cut(rest, "/")
	at, err := time.Parse(mementoTimeFormat, stamp)
	if err != nil || len(stamp) != len(mementoTimeFormat) {
		return errorf(http.StatusBadRequest, "memento time %q: want %sYYYYMMDDhhmmss/URI-R (UTC)", stamp, mementoPrefix)
	}
	uriR, err := parseURIR(raw)
	if err != nil {
		return err
	}
	ctx := r.Context()
	original, ms, err := s.mementos(ctx, uriR)
	if err != nil {
		return err
	}
	base := s.base(r)
	h := w.Header()
	h.Set("Link", mementoLinks(base, original, ms))
	i := sort.Search(len(ms), func(i int) bool { return !ms[i].at.Before(at) })
	if i == len(ms) || !ms[i].at.Before(at.Add(time.Second)) {
		h.Set("Location", mementoURL(base, original, nearest(ms, at).at))
		w.WriteHeader(http.StatusFound)
		return nil
	}
	c, err := s.store.Capture(ctx, ms[i].id)
	if err != nil {
		return storeError(err, fmt.Sprintf("capture %d", ms[i].id))
	}
	body, err := s.store.Blob(ctx, c.BodySHA256)
	if err != nil {
		return storeError(err, fmt.Sprintf("body of capture %d", c.ID))
	}
	h.Set("Content-Type", originalContentType(c))
	for _, k := range []string{"Content-Language", "Last-Modified"} {
		if v := c.Header.Get(k); v != "" {
			h.Set(k, v)
		}
	}
	h.Set("Memento-Datetime", httpTime(c.FetchedAt))
	// Archived pages must not run scripts in this origin.
	h.Set("Content-Security-Policy", "sandbox")
	status := c.Status
	if status < 200 || status > 599 {
		status = http.StatusOK
	}
	if status != http.StatusNoContent && status != http.StatusNotModified {
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return nil
}
