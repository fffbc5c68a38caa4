package server

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"redline"
)

// link is one link of an RFC 8288 Link header or application/link-format
// document.
type link struct {
	uri    string
	params map[string]string
}

// parseLinks parses link-format strictly enough for the tests: <uri>
// followed by ;key="value" parameters, links separated by commas (which
// may also appear inside quoted values).
func parseLinks(t *testing.T, s string) []link {
	t.Helper()
	var out []link
	i := 0
	skip := func() {
		for i < len(s) && strings.ContainsRune(" \t\r\n", rune(s[i])) {
			i++
		}
	}
	for {
		skip()
		if i >= len(s) {
			return out
		}
		if s[i] != '<' {
			t.Fatalf("link-format: want '<' at %d: %q", i, s[i:])
		}
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			t.Fatalf("link-format: unclosed <: %q", s[i:])
		}
		l := link{uri: s[i+1 : i+end], params: map[string]string{}}
		i += end + 1
		for {
			skip()
			if i == len(s) || s[i] == ',' {
				i++
				break
			}
			if s[i] != ';' {
				t.Fatalf("link-format: want ';' or ',' at %d: %q", i, s[i:])
			}
			i++
			skip()
			eq := strings.IndexByte(s[i:], '=')
			key := strings.TrimSpace(s[i : i+eq])
			i += eq + 1
			if s[i] != '"' {
				t.Fatalf("link-format: unquoted value at %d: %q", i, s[i:])
			}
			closing := strings.IndexByte(s[i+1:], '"')
			l.params[key] = s[i+1 : i+1+closing]
			i += closing + 2
		}
		out = append(out, l)
	}
}

// findRel returns the links whose rel contains rel as a word.
func findRel(ls []link, rel string) []link {
	var out []link
	for _, l := range ls {
		for _, r := range strings.Fields(l.params["rel"]) {
			if r == rel {
				out = append(out, l)
				break
			}
		}
	}
	return out
}

// mementoOf is the memento URL of a capture of uriR on the test server.
func (f *fixture) mementoOf(label, uriR string) string {
	return f.url + "/memento/" + f.caps[label].FetchedAt.UTC().Format("20060102150405") + "/" + uriR
}

func TestTimeMap(t *testing.T) {
	f := newFixture(t)
	const uriR = "http://example.gov/a"
	resp, body := f.get("/timemap/link/"+uriR, http.StatusOK)
	if ct := resp.Header.Get("Content-Type"); ct != "application/link-format" {
		t.Fatalf("Content-Type %q", ct)
	}
	ls := parseLinks(t, string(body))
	// doj2 is pruned, doj5 got no response: neither is a memento. The
	// mirror's capture of the same URL is merged in, in time order.
	labels := []string{"doj1", "mirror1", "doj3", "doj4", "doj6", "doj7"}
	if len(ls) != 3+len(labels) {
		t.Fatalf("%d links, want %d:\n%s", len(ls), 3+len(labels), body)
	}
	if ls[0].uri != uriR || ls[0].params["rel"] != "original" {
		t.Errorf("original: %+v", ls[0])
	}
	self := ls[1]
	if self.uri != f.url+"/timemap/link/"+uriR || self.params["rel"] != "self" || self.params["type"] != "application/link-format" ||
		self.params["from"] != "Sat, 01 Mar 2025 12:00:00 GMT" || self.params["until"] != "Sat, 01 Mar 2025 19:00:00 GMT" {
		t.Errorf("self: %+v", self)
	}
	if ls[2].uri != f.url+"/timegate/"+uriR || ls[2].params["rel"] != "timegate" {
		t.Errorf("timegate: %+v", ls[2])
	}
	for i, label := range labels {
		m := ls[3+i]
		rel := "memento"
		switch i {
		case 0:
			rel = "first memento"
		case len(labels) - 1:
			rel = "last memento"
		}
		at := f.caps[label].FetchedAt
		if m.uri != f.mementoOf(label, uriR) || m.params["rel"] != rel || m.params["datetime"] != at.Format(http.TimeFormat) {
			t.Errorf("memento %d (%s): %+v, want %s rel %q datetime %s", i, label, m, f.mementoOf(label, uriR), rel, at.Format(http.TimeFormat))
		}
		// Every memento URL resolves to the capture it names.
		resp, _ := f.get(strings.TrimPrefix(m.uri, f.url), f.caps[label].Status)
		if resp.Header.Get("Memento-Datetime") != m.params["datetime"] {
			t.Errorf("memento %s: Memento-Datetime %q", label, resp.Header.Get("Memento-Datetime"))
		}
	}

	// The URI-R is normalised: case of scheme and host, default port.
	if _, b := f.get("/timemap/link/HTTP://Example.GOV:80/a", http.StatusOK); string(b) != string(body) {
		t.Errorf("timemap of a differently spelled URI-R:\n%s", b)
	}
	// A URI-R with a query string; the 304 capture is not a memento.
	const notice = "https://example.gov/notice?id=7&lang=en"
	_, b := f.get("/timemap/link/"+notice, http.StatusOK)
	ls = parseLinks(t, string(b))
	ms := findRel(ls, "memento")
	if ls[0].uri != notice || len(ms) != 2 || ms[0].uri != f.mementoOf("dhs1", notice) || ms[1].uri != f.mementoOf("dhs3", notice) {
		t.Errorf("timemap with a query string:\n%s", b)
	}
	if ms[0].params["rel"] != "first memento" || ms[1].params["rel"] != "last memento" {
		t.Errorf("first and last: %+v", ms)
	}

	f.wantError("/timemap/link/http://example.gov/unknown", http.StatusNotFound, "http://example.gov/unknown")
	f.wantError("/timemap/link/http://example.gov/empty", http.StatusNotFound, "no memento")
	f.wantError("/timemap/link/example.gov/a", http.StatusBadRequest, "URI-R")
	f.wantError("/timemap/link/", http.StatusBadRequest, "URI-R")

	// One memento alone is both first and last.
	f.record("empty1", rec{target: "empty-page", at: time.Hour, outcome: redline.OutcomeBaseline, status: 200, body: "<p>now</p>", text: "now\n"})
	_, b = f.get("/timemap/link/http://example.gov/empty", http.StatusOK)
	ms = findRel(parseLinks(t, string(b)), "memento")
	if len(ms) != 1 || ms[0].params["rel"] != "first last memento" {
		t.Errorf("single memento:\n%s", b)
	}
}

func TestTimeGate(t *testing.T) {
	f := newFixture(t)
	const uriR = "http://example.gov/a"
	at := func(d time.Duration) string { return t0().Add(d).Format(http.TimeFormat) }
	cases := []struct {
		name, accept, want string
	}{
		{"before the first", "Sat, 01 Feb 2025 00:00:00 GMT", "doj1"},
		{"nearer the earlier", at(2*time.Hour + 20*time.Minute), "doj3"},
		{"nearer the later", at(2*time.Hour + 40*time.Minute), "doj4"},
		{"exact", at(5 * time.Hour), "doj6"},
		{"after the last", "Fri, 01 Jan 2027 00:00:00 GMT", "doj7"},
		{"pruned capture skipped", at(time.Hour - 5*time.Minute), "mirror1"},
		{"none: the latest", "", "doj7"},
		{"RFC 850 date", "Saturday, 01-Mar-25 14:20:00 GMT", "doj3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				var hdr []string
				if c.accept != "" {
					hdr = []string{"Accept-Datetime", c.accept}
				}
				resp, body := f.do(method, "/timegate/"+uriR, hdr...)
				if resp.StatusCode != http.StatusFound {
					t.Fatalf("%s: status %d\n%s", method, resp.StatusCode, body)
				}
				if loc := resp.Header.Get("Location"); loc != f.mementoOf(c.want, uriR) {
					t.Errorf("%s: Location %q, want %q", method, loc, f.mementoOf(c.want, uriR))
				}
				if v := resp.Header.Get("Vary"); !strings.EqualFold(v, "accept-datetime") {
					t.Errorf("%s: Vary %q", method, v)
				}
				ls := parseLinks(t, resp.Header.Get("Link"))
				if o := findRel(ls, "original"); len(o) != 1 || o[0].uri != uriR {
					t.Errorf("%s: original link %+v", method, o)
				}
				if m := findRel(ls, "timemap"); len(m) != 1 || m[0].uri != f.url+"/timemap/link/"+uriR || m[0].params["type"] != "application/link-format" {
					t.Errorf("%s: timemap link %+v", method, m)
				}
				if first := findRel(ls, "first"); len(first) != 1 || first[0].uri != f.mementoOf("doj1", uriR) {
					t.Errorf("%s: first memento link %+v", method, first)
				}
				if last := findRel(ls, "last"); len(last) != 1 || last[0].uri != f.mementoOf("doj7", uriR) {
					t.Errorf("%s: last memento link %+v", method, last)
				}
			}
		})
	}

	// The query string is part of the URI-R.
	const notice = "https://example.gov/notice?id=7&lang=en"
	resp, _ := f.get("/timegate/"+notice, http.StatusFound, "Accept-Datetime", at(time.Hour))
	if loc := resp.Header.Get("Location"); loc != f.mementoOf("dhs1", notice) {
		t.Errorf("Location %q, want %q", loc, f.mementoOf("dhs1", notice))
	}
	// A percent-encoded URI-R is decoded.
	resp, _ = f.get("/timegate/http%3A%2F%2Fexample.gov%2Fa", http.StatusFound)
	if loc := resp.Header.Get("Location"); loc != f.mementoOf("doj7", uriR) {
		t.Errorf("encoded URI-R: Location %q", loc)
	}

	// An empty query is no query.
	f.get("/timegate/"+uriR+"?", http.StatusFound)
	resp, body := f.do(http.MethodGet, "/timegate/"+uriR, "Accept-Datetime", "2025-03-01T12:00:00Z")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "Accept-Datetime") {
		t.Errorf("bad Accept-Datetime: %d %s", resp.StatusCode, body)
	}
	f.wantError("/timegate/http://example.gov/empty", http.StatusNotFound, "no memento")
	f.wantError("/timegate/http://nowhere.example/", http.StatusNotFound, "not a tracked URL")
}

func TestMementos(t *testing.T) {
	f := newFixture(t)
	const uriR = "http://example.gov/a"
	resp, body := f.get("/memento/20250301120000/"+uriR, http.StatusOK)
	if string(body) != "<html>v1 stamp 1</html>" {
		t.Errorf("body %q", body)
	}
	want := map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"Content-Language":        "en",
		"Memento-Datetime":        "Sat, 01 Mar 2025 12:00:00 GMT",
		"Content-Security-Policy": "sandbox",
		"X-Content-Type-Options":  "nosniff",
		"Set-Cookie":              "",
		"Content-Length":          fmt.Sprint(len(body)),
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	ls := parseLinks(t, resp.Header.Get("Link"))
	for rel, uri := range map[string]string{
		"original": uriR,
		"timegate": f.url + "/timegate/" + uriR,
		"timemap":  f.url + "/timemap/link/" + uriR,
	} {
		if l := findRel(ls, rel); len(l) != 1 || l[0].uri != uri {
			t.Errorf("Link rel=%s: %+v, want <%s>", rel, l, uri)
		}
	}

	// The original status comes back, with the body.
	resp, body = f.get("/memento/20250301170000/"+uriR, http.StatusNotFound)
	if string(body) != "<h1>Not found</h1>" || resp.Header.Get("Memento-Datetime") != "Sat, 01 Mar 2025 17:00:00 GMT" ||
		resp.Header.Get("Content-Security-Policy") != "sandbox" {
		t.Errorf("404 memento: %v %q", resp.Header, body)
	}
	// The capture of another target tracking the same URL.
	if _, body = f.get("/memento/20250301123000/"+uriR, http.StatusOK); string(body) != "<html>mirror</html>" {
		t.Errorf("mirror memento %q", body)
	}
	// A query string, and the original charset.
	const notice = "https://example.gov/notice?id=7&lang=en"
	resp, body = f.get("/memento/20250301121000/"+notice, http.StatusOK)
	if string(body) != "<html>notice</html>" || resp.Header.Get("Content-Type") != "text/html; charset=windows-1252" {
		t.Errorf("notice memento: %v %q", resp.Header, body)
	}

	// No capture in that second: redirect to the nearest, like Wayback.
	for stamp, label := range map[string]string{
		"20250301125900": "mirror1", // 29 minutes from the mirror's, 61 from doj3
		"20250301130000": "mirror1", // doj2 there is pruned
		"20250101000000": "doj1",
		"20300101000000": "doj7",
		"20250301160000": "doj4", // doj5 there got no response; doj4 and doj6 are an hour away
	} {
		resp, _ := f.get("/memento/"+stamp+"/"+uriR, http.StatusFound)
		if loc := resp.Header.Get("Location"); loc != f.mementoOf(label, uriR) {
			t.Errorf("memento %s: Location %q, want %q", stamp, loc, f.mementoOf(label, uriR))
		}
	}
	// HEAD gives the headers alone.
	resp, body = f.do(http.MethodHead, "/memento/20250301120000/"+uriR)
	if resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("Memento-Datetime") == "" {
		t.Errorf("HEAD memento: %d %v", resp.StatusCode, resp.Header)
	}

	f.wantError("/memento/2025/"+uriR, http.StatusBadRequest, "YYYYMMDDhhmmss")
	f.wantError("/memento/20251301000000/"+uriR, http.StatusBadRequest, "20251301000000")
	f.wantError("/memento/20250301120000/", http.StatusBadRequest, "URI-R")
	f.wantError("/memento/20250301120000/http://example.gov/unknown", http.StatusNotFound, "not a tracked URL")
}

// TestRawRequestLine sends Memento requests as a client would put them on
// the wire, with the "//" of the URI-R: they must be answered, not cleaned
// and redirected by the mux.
func TestRawRequestLine(t *testing.T) {
	f := newFixture(t)
	for target, want := range map[string]int{
		"/timegate/http://example.gov/a":                                  http.StatusFound,
		"/timemap/link/http://example.gov/a":                              http.StatusOK,
		"/memento/20250301190000/http://example.gov/a":                    http.StatusOK,
		"/timegate/https://example.gov/notice?id=7&lang=en":               http.StatusFound,
		"/memento/20250301121000/https://example.gov/notice?id=7&lang=en": http.StatusOK,
	} {
		conn, err := net.Dial("tcp", f.ts.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: archive.test\r\nConnection: close\r\n\r\n", target)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		conn.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: status %d, want %d (Location %q)", target, resp.StatusCode, want, resp.Header.Get("Location"))
		}
		if target == "/timegate/http://example.gov/a" {
			if loc := resp.Header.Get("Location"); loc != "http://archive.test/memento/20250301190000/http://example.gov/a" {
				t.Errorf("Location %q", loc)
			}
		}
	}
}
