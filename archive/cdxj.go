package archive

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/net/idna"
)

// cdxjEntry is one CDXJ line: "<key> <timestamp> <json>". Field names and
// string-typed numbers follow pywb's CDXJ.
type cdxjEntry struct {
	key, ts string

	URL       string `json:"url"`
	Mime      string `json:"mime"`
	Status    string `json:"status"`
	Digest    string `json:"digest"`
	Length    string `json:"length"`
	Offset    string `json:"offset"`
	Filename  string `json:"filename"`
	CaptureID int64  `json:"redline_capture,omitempty"`
	Target    string `json:"redline_target,omitempty"`
}

// writeCDXJ writes entries sorted by key then timestamp (stable, so equal
// keys keep their write order) to path, which must not exist.
func writeCDXJ(path string, entries []cdxjEntry) (err error) {
	sorted := slices.Clone(entries)
	slices.SortStableFunc(sorted, func(a, b cdxjEntry) int {
		return cmp.Or(strings.Compare(a.key, b.key), strings.Compare(a.ts, b.ts))
	})
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	bw := bufio.NewWriter(f)
	var js bytes.Buffer
	enc := json.NewEncoder(&js)
	enc.SetEscapeHTML(false) // keep '&' in URLs readable
	for _, e := range sorted {
		js.Reset()
		if err := enc.Encode(e); err != nil {
			return err
		}
		if _, err := fmt.Fprintf(bw, "%s %s %s", e.key, e.ts, js.Bytes()); err != nil {
			return err
		}
	}
	return bw.Flush()
}

var wwwPrefix = regexp.MustCompile(`^www\d*\.`)

// surt returns the CDXJ lookup key of an http(s) URL the way warcio.js's
// getSurt does (ReplayWeb.page looks URLs up with it): lowercase the URL,
// drop a leading "www." / "www<digits>." label, reverse the host labels
// joined by ",", keep a non-default port, then ")" + path, then the query
// parameters sorted as raw "k=v" strings; the fragment is dropped.
// Unlike warcio.js, the "www" label is matched in any case and
// internationalized hosts are converted to punycode first. Anything else is
// returned unchanged.
func surt(raw string) string {
	u, err := url.Parse(strings.ToLower(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return raw
	}
	host := u.Hostname()
	if a, err := idna.Lookup.ToASCII(host); err == nil {
		host = a
	}
	var b strings.Builder
	if strings.Contains(host, ":") { // IPv6 literal
		b.WriteString("[" + host + "]")
	} else {
		labels := strings.Split(wwwPrefix.ReplaceAllString(host, ""), ".")
		slices.Reverse(labels)
		b.WriteString(strings.Join(labels, ","))
	}
	if p := u.Port(); p != "" && !(u.Scheme == "http" && p == "80") && !(u.Scheme == "https" && p == "443") {
		b.WriteString(":" + p)
	}
	b.WriteString(")")
	if p := u.EscapedPath(); p != "" {
		b.WriteString(p)
	} else {
		b.WriteString("/")
	}
	if u.RawQuery != "" {
		args := strings.Split(u.RawQuery, "&")
		slices.Sort(args)
		b.WriteString("?" + strings.Join(args, "&"))
	}
	return b.String()
}
