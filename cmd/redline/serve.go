package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"redline/server"
)

// defaultListen is where the HTTP server listens unless --listen or the
// configuration's listen says otherwise.
const defaultListen = "127.0.0.1:8080"

// shutdownGrace is how long requests in flight may take to finish once the
// server is asked to stop.
const shutdownGrace = 5 * time.Second

func cmdServe(ctx context.Context, args []string, e env) error {
	fs := newFlags("serve", e)
	var c common
	c.register(fs)
	listen := fs.String("listen", "", "host:port to listen on (default: listen from the configuration, else "+defaultListen+")")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: redline serve [flags]\n\nServes the record over HTTP, read-only, without checking anything: the JSON API\n(/api/v1/), Atom feeds (/feeds/), pages (/targets/) and Memento (/timemap/, /timegate/, /memento/).")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("serve takes no arguments")
	}
	a, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.close()
	return a.serve(ctx, a.listenAddr(*listen), nil)
}

// listenAddr is the address to serve on: flagValue, else the
// configuration's listen, else defaultListen.
func (a *app) listenAddr(flagValue string) string {
	switch {
	case flagValue != "":
		return flagValue
	case a.cfg.Listen != "":
		return a.cfg.Listen
	}
	return defaultListen
}

// handler builds the HTTP server of the record.
func (a *app) handler() (*server.Server, error) {
	h, err := server.New(server.Options{Store: a.store, PublicURL: a.cfg.PublicURL, Log: a.log, Version: version})
	if err != nil {
		return nil, fmt.Errorf("http server: %w", err)
	}
	return h, nil
}

// listen binds addr for the HTTP server.
func (a *app) listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("http server: listen on %s: %w (set listen in the configuration, or --listen)", addr, err)
	}
	return ln, nil
}

// serve serves the record on addr until ctx ends. ready, when not nil, is
// called with the bound address (addr may ask for port 0).
func (a *app) serve(ctx context.Context, addr string, ready func(net.Addr)) error {
	h, err := a.handler()
	if err != nil {
		return err
	}
	ln, err := a.listen(addr)
	if err != nil {
		return err
	}
	if ready != nil {
		ready(ln.Addr())
	}
	return a.serveOn(ctx, ln, h)
}

// serveOn serves h on ln until ctx ends, then shuts down gracefully,
// giving requests in flight shutdownGrace to finish. It closes ln.
func (a *app) serveOn(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	attrs := []any{"addr", ln.Addr().String()}
	if a.cfg.PublicURL != "" {
		attrs = append(attrs, "public_url", a.cfg.PublicURL)
	}
	a.log.Info("serving", attrs...)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		a.log.Warn("http server: requests still running at shutdown", "error", err)
		_ = srv.Close()
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http server: %w", err)
	}
	a.log.Info("http server stopped")
	return nil
}
