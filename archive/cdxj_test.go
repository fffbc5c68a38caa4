package archive

import "testing"

// surtCases are checked here and, in TestWarcioSURT, against warcio.js's
// getSurt itself (the cases marked own are where this package deliberately
// differs).
var surtCases = []struct {
	url, want string
	own       bool
}{
	{"https://www.Example.com/page?b=2&a=1", "com,example)/page?a=1&b=2", false},
	{"http://example.com", "com,example)/", false},
	{"http://example.com/", "com,example)/", false},
	{"http://www2.example.com:8080/a/b#frag", "com,example:8080)/a/b", false},
	{"https://example.com:443/x", "com,example)/x", false},
	{"http://example.com:80/x", "com,example)/x", false},
	{"https://example.com:80/x", "com,example:80)/x", false},
	{"HTTP://Example.COM/A/B?Z=1&y=2", "com,example)/a/b?y=2&z=1", true},
	{"http://example.com/a?", "com,example)/a", false},
	{"http://example.com/a?x=&b", "com,example)/a?b&x=", false},
	{"http://example.com/caf%C3%A9?q=a%20b", "com,example)/caf%c3%a9?q=a%20b", false},
	{"http://127.0.0.1:8000/", "1,0,0,127:8000)/", false},
	{"http://sub.www.example.com/", "com,example,www,sub)/", false},
	{"http://WWW.example.com/", "com,example)/", true},
	{"http://bücher.example/", "example,xn--bcher-kva)/", false},
	{"http://[::1]:8080/x", "[::1]:8080)/x", false},
	{"ftp://example.com/x", "ftp://example.com/x", false},
	{"not a url", "not a url", false},
}

func TestSURT(t *testing.T) {
	for _, c := range surtCases {
		if got := surt(c.url); got != c.want {
			t.Errorf("surt(%q) = %q, want %q", c.url, got, c.want)
		}
	}
}
