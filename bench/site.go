// Package bench generates the synthetic government web site that redline's
// benchmarks run against, and serves it over many loopback addresses.
//
// A Site holds N policy pages of 50–150 KB spread round robin over hosts
// 127.0.0.2, 127.0.0.3, ... (one listener per address), so that a crawler's
// per-host politeness applies as it would on real sites. Each page has the
// furniture of a government page (inline style sheet and scripts, banner,
// mega menu, breadcrumb, related links, footer) around a <main> region of
// policy text generated from a seed. Advance moves the site one cycle on:
// every page's date stamps change (noise outside <main>) and a fraction of
// the pages get a few words of <main> replaced. Pages carry an ETag computed
// from their bytes and answer If-None-Match with 304.
//
// The micro-benchmarks of this package (go test -bench . ./bench/) use the
// same generator; the harness is the command bench/cmd/redline-bench.
package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a Site. Zero values mean the defaults.
type Options struct {
	Pages     int        // number of pages; default 1000
	Hosts     int        // number of host addresses; default 50
	Seed      uint64     // content seed; the same seed gives the same site
	FirstHost netip.Addr // address of host 0; default 127.0.0.2, then the next addresses
}

// Site is a generated web site. Its methods are safe for concurrent use.
type Site struct {
	opt   Options
	hosts []*host
	pages []*page

	mu     sync.RWMutex // guards stamp, cycle and the rendered parts of hosts and pages
	stamp  int
	cycle  int
	noETag atomic.Bool

	requests    atomic.Int64
	notModified atomic.Int64
	bytesSent   atomic.Int64

	servers []*http.Server
}

// host is one address of the site.
type host struct {
	addr   netip.Addr
	agency string
	seed   uint64
	chrome []byte // shared furniture; fixed
	footer []byte // footer at the current stamp
	base   string // "http://ADDR:PORT" once listening
	pages  []int
}

// page is one policy page.
type page struct {
	host    int
	path    string
	title   string
	blocks  []block
	related []string
	head    []byte // at the current stamp
	main    []byte // at the current version
	version int    // edits of <main> so far

	hits    atomic.Int64
	lastReq atomic.Int64 // unix nanoseconds of the latest request

	etagMu  sync.Mutex
	etagKey [2]int // stamp and version etag was computed for
	etag    string
}

// NewSite generates a site. It does not listen yet; see Start.
func NewSite(opt Options) (*Site, error) {
	if opt.Pages == 0 {
		opt.Pages = 1000
	}
	if opt.Hosts == 0 {
		opt.Hosts = 50
	}
	if !opt.FirstHost.IsValid() {
		opt.FirstHost = netip.AddrFrom4([4]byte{127, 0, 0, 2})
	}
	if opt.Pages < 1 || opt.Hosts < 1 {
		return nil, fmt.Errorf("bench: want at least one page and one host, not %d pages on %d hosts", opt.Pages, opt.Hosts)
	}
	s := &Site{opt: opt}
	addr := opt.FirstHost
	for h := range opt.Hosts {
		if !addr.IsValid() || !addr.IsLoopback() {
			return nil, fmt.Errorf("bench: host %d: %v is not a loopback address", h, addr)
		}
		r := newRand(opt.Seed, 0x4057, uint64(h))
		hs := &host{addr: addr, agency: pick(r, agencies), seed: r.Uint64()}
		hs.chrome = chrome(r, hs.agency)
		hs.footer = footer(newRand(hs.seed), hs.agency, 0)
		s.hosts = append(s.hosts, hs)
		addr = addr.Next()
	}
	s.pages = make([]*page, opt.Pages)
	for i := range opt.Pages {
		h := i % opt.Hosts
		s.pages[i] = &page{host: h, path: fmt.Sprintf("/policy/directive-%05d", i)}
		s.hosts[h].pages = append(s.hosts[h].pages, i)
	}
	// Pages are independent: generate them on every core.
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < opt.Pages; i += workers {
				s.generate(i)
			}
		})
	}
	wg.Wait()
	return s, nil
}

// generate fills in page i at version 0 and stamp 0.
func (s *Site) generate(i int) {
	p := s.pages[i]
	hs := s.hosts[p.host]
	r := newRand(s.opt.Seed, 0x9a9e, uint64(i))
	target := minTarget + r.IntN(maxTarget-minTarget)
	probe := head("Policy Directive 2020-000: Information Sharing with Federal Authorities", hs.agency, p.path, "", 0)
	budget := target - len(probe) - len(hs.chrome) - len(hs.footer) - 600 // breadcrumb, wrappers, related box
	p.title, p.blocks, p.related = content(r, i, budget)
	p.head = head(p.title, hs.agency, p.path, s.description(p), 0)
	p.main = renderMain(p.title, p.blocks, p.related)
}

// description is a page's meta description: its title.
func (s *Site) description(p *page) string { return p.title }

// Len returns the number of pages.
func (s *Site) Len() int { return len(s.pages) }

// Hosts returns the number of host addresses.
func (s *Site) Hosts() int { return len(s.hosts) }

// Host returns the index of the host serving page i.
func (s *Site) Host(i int) int { return s.pages[i].host }

// HostAddr returns the address of host h.
func (s *Site) HostAddr(h int) netip.Addr { return s.hosts[h].addr }

// HostPages returns the pages host h serves, in order.
func (s *Site) HostPages(h int) []int { return slices.Clone(s.hosts[h].pages) }

// Path returns the path of page i.
func (s *Site) Path(i int) string { return s.pages[i].path }

// URL returns the URL of page i; the site must have been started.
func (s *Site) URL(i int) string {
	p := s.pages[i]
	return s.hosts[p.host].base + p.path
}

// HostURL returns "http://ADDR:PORT" of host h; the site must have been
// started.
func (s *Site) HostURL(h int) string { return s.hosts[h].base }

// Name returns a target name for page i.
func (s *Site) Name(i int) string { return fmt.Sprintf("directive-%05d", i) }

// parts returns the current pieces of page i's body, in order, and the key
// of its version.
func (s *Site) parts(i int) ([4][]byte, [2]int) {
	p := s.pages[i]
	hs := s.hosts[p.host]
	s.mu.RLock()
	defer s.mu.RUnlock()
	return [4][]byte{p.head, hs.chrome, p.main, hs.footer}, [2]int{s.stamp, p.version}
}

// Body returns the current bytes of page i.
func (s *Site) Body(i int) []byte {
	parts, _ := s.parts(i)
	return slices.Concat(parts[:]...)
}

// Main returns the current rendering of page i's tracked region (with the
// breadcrumb and related box around <main>).
func (s *Site) Main(i int) []byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.pages[i].main
}

// Version returns how many times page i's <main> was edited.
func (s *Site) Version(i int) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.pages[i].version
}

// etag returns page i's ETag for parts at key, computing it once per
// version.
func (s *Site) etag(i int, parts [4][]byte, key [2]int) string {
	p := s.pages[i]
	p.etagMu.Lock()
	defer p.etagMu.Unlock()
	if p.etag != "" && p.etagKey == key {
		return p.etag
	}
	h := sha256.New()
	for _, b := range parts {
		h.Write(b)
	}
	p.etag = `"` + hex.EncodeToString(h.Sum(nil)[:12]) + `"`
	p.etagKey = key
	return p.etag
}

// Touch moves every page's date stamps (in the <head> metadata and the
// footer) on by one step: noise outside <main>, which changes every page's
// bytes and ETag but not its tracked text.
func (s *Site) Touch() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.touchLocked()
}

func (s *Site) touchLocked() {
	s.stamp++
	for _, hs := range s.hosts {
		hs.footer = footer(newRand(hs.seed), hs.agency, s.stamp)
	}
	for _, p := range s.pages {
		p.head = head(p.title, s.hosts[p.host].agency, p.path, s.description(p), s.stamp)
	}
}

// Change replaces a few words (one to three) of page i's <main>.
func (s *Site) Change(i int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.changeLocked(i)
}

func (s *Site) changeLocked(i int) {
	p := s.pages[i]
	p.version++
	r := newRand(s.opt.Seed, 0xc4a9, uint64(i), uint64(p.version))
	p.blocks = slices.Clone(p.blocks)
	changeWords(r, p.blocks, 1+r.IntN(3))
	p.main = renderMain(p.title, p.blocks, p.related)
}

// Scramble rewrites page i's <main> as badly as an edit can: its blocks in
// another order and the words of each block shuffled, every word kept. It
// is the pathological input of the diff benchmarks.
func (s *Site) Scramble(i int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pages[i]
	p.version++
	r := newRand(s.opt.Seed, 0x5c4a, uint64(i), uint64(p.version))
	p.blocks = slices.Clone(p.blocks)
	r.Shuffle(len(p.blocks), func(a, b int) { p.blocks[a], p.blocks[b] = p.blocks[b], p.blocks[a] })
	for k, bl := range p.blocks {
		w := strings.Fields(bl.text)
		r.Shuffle(len(w), func(a, b int) { w[a], w[b] = w[b], w[a] })
		p.blocks[k].text = strings.Join(w, " ")
	}
	p.main = renderMain(p.title, p.blocks, p.related)
}

// Advance moves the site one cycle on: round(fraction × pages) pages,
// chosen from the seed and the cycle number, get a few words of <main>
// replaced, then every page's stamps change (Touch). It returns the pages
// changed, in order.
func (s *Site) Advance(fraction float64) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cycle++
	n := int(math.Round(min(max(fraction, 0), 1) * float64(len(s.pages))))
	r := newRand(s.opt.Seed, 0xc1c1e, uint64(s.cycle))
	changed := r.Perm(len(s.pages))[:n]
	slices.Sort(changed)
	for _, i := range changed {
		s.changeLocked(i)
	}
	s.touchLocked()
	return changed
}

// SetValidators turns ETags and 304 answers on (the default) or off.
func (s *Site) SetValidators(on bool) { s.noETag.Store(!on) }

// Stats counts what the site served.
type Stats struct {
	Requests    int64 // every request, robots.txt and 404s included
	NotModified int64 // 304 answers
	Bytes       int64 // body bytes sent
}

// Stats returns the counts so far.
func (s *Site) Stats() Stats {
	return Stats{Requests: s.requests.Load(), NotModified: s.notModified.Load(), Bytes: s.bytesSent.Load()}
}

// Hits returns how many requests page i has received.
func (s *Site) Hits(i int) int64 { return s.pages[i].hits.Load() }

// LastRequest returns when page i was last requested (zero if never).
func (s *Site) LastRequest(i int) time.Time {
	ns := s.pages[i].lastReq.Load()
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

// Handler returns the handler of host h: its pages, a robots.txt that
// allows everything, and 404 for anything else.
func (s *Site) Handler(h int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		if r.URL.Path == "/robots.txt" {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			fmt.Fprint(w, "User-agent: *\nAllow: /\n")
			return
		}
		i, ok := s.lookup(h, r.URL.Path)
		if !ok {
			http.NotFound(w, r)
			return
		}
		p := s.pages[i]
		p.hits.Add(1)
		p.lastReq.Store(time.Now().UnixNano())
		parts, key := s.parts(i)
		hd := w.Header()
		hd.Set("Content-Type", "text/html; charset=utf-8")
		hd.Set("Cache-Control", "no-cache")
		hd.Set("Server", "Apache")
		hd.Set("X-Drupal-Cache", "MISS")
		if !s.noETag.Load() {
			etag := s.etag(i, parts, key)
			hd.Set("ETag", etag)
			if inm := r.Header.Get("If-None-Match"); inm != "" && strings.Contains(inm, etag) {
				s.notModified.Add(1)
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		n := 0
		for _, b := range parts {
			n += len(b)
		}
		hd.Set("Content-Length", strconv.Itoa(n))
		if r.Method == http.MethodHead {
			return
		}
		for _, b := range parts {
			if _, err := w.Write(b); err != nil {
				return
			}
		}
		s.bytesSent.Add(int64(n))
	})
}

// lookup finds the page host h serves at path.
func (s *Site) lookup(h int, path string) (int, bool) {
	num, ok := strings.CutPrefix(path, "/policy/directive-")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(num)
	if err != nil || i < 0 || i >= len(s.pages) || s.pages[i].host != h || s.pages[i].path != path {
		return 0, false
	}
	return i, true
}

// Start listens on every host address (any free port) and serves until
// Close.
func (s *Site) Start() error {
	if len(s.servers) > 0 {
		return errors.New("bench: site already started")
	}
	for h, hs := range s.hosts {
		ln, err := net.Listen("tcp", netip.AddrPortFrom(hs.addr, 0).String())
		if err != nil {
			s.Close()
			return fmt.Errorf("bench: listen on host %d: %w", h, err)
		}
		hs.base = "http://" + ln.Addr().String()
		srv := &http.Server{Handler: s.Handler(h), ReadHeaderTimeout: 10 * time.Second}
		s.servers = append(s.servers, srv)
		go func() { _ = srv.Serve(ln) }()
	}
	return nil
}

// Close stops every listener and closes open connections.
func (s *Site) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, srv := range s.servers {
		_ = srv.Shutdown(ctx)
	}
	s.servers = nil
}
