package web

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// TestPageThatFailsToRender checks that a page whose template fails part way
// answers 500 with the site's error page, its menu and all, and none of what
// the failed page had written (not a bare line of text, nor half a page).
func TestPageThatFailsToRender(t *testing.T) {
	f := demoFixture(t)
	broken, err := f.srv.pages["error"].Clone()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := broken.New("content").Parse(`<p>Half a page</p>{{.Data.NoSuchField}}`); err != nil {
		t.Fatal(err)
	}
	f.srv.pages["broken"] = broken
	w := httptest.NewRecorder()
	f.srv.render(w, httptest.NewRequest("GET", "/broken", nil), 200, "broken", "Broken", struct{}{})
	body := w.Body.String()
	if w.Code != 500 || !strings.Contains(body, "<h1>Something went wrong</h1>") || !strings.Contains(body, "This page could not be shown") ||
		!strings.Contains(body, `<nav`) || strings.Contains(body, "Half a page") {
		t.Errorf("%d\n%s", w.Code, body)
	}
}
