package main

import (
	"net"
	"net/http"
	"strings"
	"sync"
)

// hostGuard refuses requests whose Host is not one this service answers to: a
// page on another site that has its name resolve to 127.0.0.1 (DNS rebinding)
// would otherwise reach a service listening on this machine as if it were it.
type hostGuard struct {
	next  http.Handler
	hosts map[string]bool
}

// newHostGuard allows the names given (host or host:port), and for a loopback
// address also its usual names; with no names and an address beyond this
// machine, the Host is not checked (a proxy in front names the service).
func newHostGuard(next http.Handler, addr string, names []string) http.Handler {
	_, port, _ := net.SplitHostPort(addr)
	g := &hostGuard{next: next, hosts: map[string]bool{}}
	allow := func(h string) {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" {
			return
		}
		g.hosts[h] = true
		if _, _, err := net.SplitHostPort(h); err != nil && port != "" {
			g.hosts[net.JoinHostPort(strings.Trim(h, "[]"), port)] = true
		}
	}
	for _, n := range names {
		allow(n)
	}
	if loopback(addr) {
		for _, h := range []string{"localhost", "127.0.0.1", "::1"} {
			allow(h)
		}
		allow(addr)
	} else if len(names) == 0 {
		return next
	}
	return g
}

func (g *hostGuard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !g.hosts[strings.ToLower(r.Host)] {
		http.Error(w, "rulebook does not answer to the host "+r.Host, http.StatusMisdirectedRequest)
		return
	}
	g.next.ServeHTTP(w, r)
}

// limitListener holds at most n connections open at once: a crowd of slow
// clients then queues at the door instead of exhausting the service's memory.
type limitListener struct {
	net.Listener
	sem chan struct{}
}

func newLimitListener(l net.Listener, n int) net.Listener {
	return &limitListener{Listener: l, sem: make(chan struct{}, n)}
}

func (l *limitListener) Accept() (net.Conn, error) {
	l.sem <- struct{}{}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitConn{Conn: c, release: sync.OnceFunc(func() { <-l.sem })}, nil
}

type limitConn struct {
	net.Conn
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}
