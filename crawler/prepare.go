package crawler

import (
	"context"
	"strings"
	"sync"
	"time"
)

// Prepare starts fetching the robots.txt of each host of reqs that no
// fresh copy is held for, each in its own goroutine and in its host's turn,
// and returns at once; the channel closes when every fetch it started has
// ended. A check that would fetch a host's robots.txt itself, then wait
// out the host's delay before its page, finds both done: handing Prepare a
// batch of requests before making them keeps fetches of new hosts from
// waiting in turn. A failed fetch is left to the request, which tries
// again. Requests with restrictions (Restricted, AllowedDomains) are left
// out: they fetch their robots.txt under their own restriction.
func (f *Fetcher) Prepare(ctx context.Context, reqs []Request) <-chan struct{} {
	done := make(chan struct{})
	if f.opt.IgnoreRobots {
		close(done)
		return done
	}
	var wg sync.WaitGroup
	seen := map[string]bool{}
	now := time.Now()
	for _, req := range reqs {
		if newRestriction(req) != nil {
			continue
		}
		u, err := parseTarget(req.URL)
		if err != nil {
			continue // the request reports it
		}
		origin := originOf(u)
		if seen[origin] {
			continue
		}
		seen[origin] = true
		if _, fresh := f.robots.get(origin, now); fresh {
			continue
		}
		host := strings.ToLower(u.Hostname())
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = f.robotsFor(ctx, u, host)
		}()
	}
	go func() {
		wg.Wait()
		close(done)
	}()
	return done
}
