package crawler

import (
	"context"
	"sync"
	"time"
)

// gates enforces per-host politeness: at most size requests at once to one
// host name, and each slot stays taken for the politeness delay after its
// request ends (the same semantics as colly's LimitRule, but per host and
// without blocking the caller during the delay).
//
// colly's own LimitRule cannot do this: one rule holds one channel shared by
// every host it matches, so DomainGlob "*" would serialise all hosts together,
// and it sleeps the delay inside the fetching goroutine without looking at a
// context. See the package documentation.
type gates struct {
	size int

	mu    sync.Mutex
	hosts map[string]*hostGate
}

type hostGate struct {
	sem   chan struct{}
	users int // holders and waiters; guarded by gates.mu
}

func newGates(size int) *gates {
	return &gates{size: max(size, 1), hosts: make(map[string]*hostGate)}
}

// acquire waits for a request slot for host, or for ctx to end.
func (g *gates) acquire(ctx context.Context, host string) (*slot, error) {
	g.mu.Lock()
	h := g.hosts[host]
	if h == nil {
		h = &hostGate{sem: make(chan struct{}, g.size)}
		g.hosts[host] = h
	}
	h.users++
	g.mu.Unlock()

	// Prefer a cancelled context over a free slot.
	if err := ctx.Err(); err != nil {
		g.leave(host, h)
		return nil, err
	}
	select {
	case h.sem <- struct{}{}:
		return &slot{g: g, host: host, h: h}, nil
	case <-ctx.Done():
		g.leave(host, h)
		return nil, ctx.Err()
	}
}

// leave forgets a holder or waiter; the host's entry goes away with its last
// user, which is safe because a slot is only freed once its delay is over.
func (g *gates) leave(host string, h *hostGate) {
	g.mu.Lock()
	h.users--
	if h.users == 0 && g.hosts[host] == h {
		delete(g.hosts, host)
	}
	g.mu.Unlock()
}

// slot is one taken request slot of a host.
type slot struct {
	g    *gates
	host string
	h    *hostGate
	once sync.Once
}

// release frees the slot after hold has passed, without blocking the caller.
// Only the first call counts. Use hold 0 when no request was sent.
func (s *slot) release(hold time.Duration) {
	s.once.Do(func() {
		free := func() {
			<-s.h.sem
			s.g.leave(s.host, s.h)
		}
		if hold <= 0 {
			free()
			return
		}
		time.AfterFunc(hold, free)
	})
}
