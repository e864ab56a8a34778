package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"html/template"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"testing/fstest"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/count"
	"github.com/rulebook/rulebook/count/job"
	"github.com/rulebook/rulebook/count/report"
)

type countData struct {
	Methods, Formats []job.Choice
	Report           template.HTML
	Name             string
}

func (s *Server) countData() countData {
	return countData{Methods: job.Methods(), Formats: job.Formats()}
}

func (s *Server) countPage(w http.ResponseWriter, r *http.Request) error {
	if !s.app.May(r.Context(), app.CountVotes, app.Resource{}) {
		return rulebook.Errorf(rulebook.EForbidden, "your roles do not count elections")
	}
	s.render(w, r, http.StatusOK, "count", "Count an election", s.countData())
	return nil
}

// count counts uploaded ballots (or an RCTab configuration with its CVR files)
// and shows the round-by-round report that `rulebook count --html` writes.
func (s *Server) count(w http.ResponseWriter, r *http.Request) error {
	// Asked before the upload is read: it may be large.
	if err := s.app.Authorize(r.Context(), app.CountVotes, app.Resource{}); err != nil {
		return err
	}
	d := s.countData()
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		return s.formError(w, r, "count", "Count an election", d, rulebook.FieldError("ballots", "send the ballots as a file upload: %v", err))
	}
	defer r.MultipartForm.RemoveAll()
	f := r.MultipartForm
	val := func(k string) string {
		if v := f.Value[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	files := f.File["ballots"]
	if len(files) == 0 {
		return s.formError(w, r, "count", "Count an election", d, rulebook.FieldError("ballots", "choose a ballot file (or an RCTab configuration and its CVR files)"))
	}
	read := func(i int) ([]byte, error) {
		fh, err := files[i].Open()
		if err != nil {
			return nil, err
		}
		defer fh.Close()
		return io.ReadAll(fh)
	}
	var res *count.Result
	var err error
	var counted []byte // the file the report names: the ballots, or RCTab's configuration
	if val("method") == "rctab" {
		// The configuration and the CVR files it names, by their base names.
		mfs := fstest.MapFS{}
		config := ""
		for i := range files {
			b, err := read(i)
			if err != nil {
				return err
			}
			name := path.Base(files[i].Filename)
			mfs[name] = &fstest.MapFile{Data: b}
			if strings.HasSuffix(strings.ToLower(name), ".json") && config == "" {
				config, counted = name, b
			}
		}
		if config == "" {
			return s.formError(w, r, "count", "Count an election", d, rulebook.FieldError("ballots", "an RCTab count needs its configuration (a .json file) among the files"))
		}
		d.Name = config
		res, err = s.app.CountRCTab(r.Context(), mfs, config)
	} else {
		b, err2 := read(0)
		if err2 != nil {
			return err2
		}
		spec := job.Spec{Method: val("method"), Format: val("format"), Threshold: val("threshold")}
		if spec.Seats, err = strconv.Atoi(orZero(val("seats"))); err != nil {
			return s.formError(w, r, "count", "Count an election", d, rulebook.FieldError("seats", "%q is not a number", val("seats")))
		}
		d.Name, counted = files[0].Filename, b
		res, err = s.app.Count(r.Context(), spec, files[0].Filename, b)
	}
	if err != nil {
		if rulebook.ErrorCode(err) == rulebook.EInternal && !strings.Contains(err.Error(), "internal") {
			// The counting packages report bad ballots as plain errors naming the file and line.
			err = rulebook.FieldError("ballots", "%v", err)
		}
		return s.formError(w, r, "count", "Count an election", d, err)
	}
	res.Normalize()
	var b bytes.Buffer
	sum := sha256.Sum256(counted)
	options := "--method " + val("method")
	for _, f := range []string{"format", "seats", "threshold"} {
		if v := val(f); v != "" && v != "0" {
			options += " --" + f + " " + v
		}
	}
	meta := report.Meta{File: d.Name, SHA256: hex.EncodeToString(sum[:]), Options: options, Counted: s.app.Now(), Version: report.BuildVersion()}
	if err := report.WriteFragmentMeta(&b, res, meta); err != nil {
		return err
	}
	d.Report = template.HTML(b.String())
	s.render(w, r, http.StatusOK, "count", "Count: "+d.Name, d)
	return nil
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

// countStyle serves the count report's own stylesheet (the page's policy allows
// no inline styles).
func countStyle(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	io.WriteString(w, report.Style())
}
