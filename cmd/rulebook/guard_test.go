package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHostGuard(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	for _, tc := range []struct {
		addr  string
		names []string
		host  string
		want  int
	}{
		{"127.0.0.1:8080", nil, "127.0.0.1:8080", 204},
		{"127.0.0.1:8080", nil, "localhost:8080", 204},
		{"127.0.0.1:8080", nil, "LOCALHOST:8080", 204},
		{"127.0.0.1:8080", nil, "[::1]:8080", 204},
		{"127.0.0.1:8080", nil, "evil.example:8080", 421}, // DNS rebinding
		{"127.0.0.1:8080", nil, "localhost:9999", 421},
		{"127.0.0.1:8080", []string{"rulebook.example.org"}, "rulebook.example.org", 204},
		{"127.0.0.1:8080", []string{"rulebook.example.org"}, "rulebook.example.org:8080", 204},
		{"0.0.0.0:443", []string{"rulebook.example.org"}, "other.example.org", 421},
		{"0.0.0.0:443", nil, "anything.example", 204}, // behind a proxy that names it
	} {
		r := httptest.NewRequest("GET", "/healthz", nil)
		r.Host = tc.host
		w := httptest.NewRecorder()
		newHostGuard(ok, tc.addr, tc.names).ServeHTTP(w, r)
		if w.Code != tc.want {
			t.Errorf("listening on %s (names %v), Host %s: %d, want %d", tc.addr, tc.names, tc.host, w.Code, tc.want)
		}
	}
}

// TestLimitListener: the n+1th connection waits until one of the n is closed.
func TestLimitListener(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := newLimitListener(inner, 2)
	defer l.Close()
	accepted := make(chan net.Conn, 3)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	var clients []net.Conn
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients = append(clients, c)
	}
	first, second := <-accepted, <-accepted
	select {
	case <-accepted:
		t.Fatal("a third connection was accepted while two were open")
	default:
	}
	first.Close()
	third := <-accepted // now admitted
	third.Close()
	second.Close()
}
