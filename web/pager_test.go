package web

import (
	"net/url"
	"testing"
)

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 10000: "10,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestPager(t *testing.T) {
	q := url.Values{"state": {"open"}}
	for _, c := range []struct {
		offset, limit, shown, total int
		more                        bool
		prev, next, showing         string
	}{
		{0, 50, 50, 120, false, "", "/cases?offset=50&state=open", "1–50 of 120"},
		{100, 50, 20, 120, false, "/cases?offset=50&state=open", "", "101–120 of 120"},
		{0, 50, 0, 0, false, "", "", "none of 0"},
		{9950, 50, 50, 10000, true, "/cases?offset=9900&state=open", "/cases?offset=10000&state=open", "9,951–10,000 of more than 10,000"},
		{10000, 50, 50, 10000, true, "/cases?offset=9950&state=open", "/cases?offset=10050&state=open", "10,001–10,050 of more than 10,000"},
		{10050, 50, 3, 10000, true, "/cases?offset=10000&state=open", "", "10,051–10,053 of more than 10,000"},
	} {
		prev, next, showing := pager("/cases", q, c.offset, c.limit, c.shown, c.total, c.more)
		if prev != c.prev || next != c.next || showing != c.showing {
			t.Errorf("pager(offset %d, shown %d, total %d, more %v) = %q, %q, %q; want %q, %q, %q",
				c.offset, c.shown, c.total, c.more, prev, next, showing, c.prev, c.next, c.showing)
		}
	}
}
