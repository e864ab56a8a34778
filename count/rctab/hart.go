package rctab

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"sort"
	"strings"
)

// readHart reads a folder of Hart XML cast vote records, one ballot sheet per file.
// Each option's Value is a string of rank flags: "0100" marks rank 2.
func readHart(cfg *Config, src *Source, bs *ballotSet) error {
	entries, err := cfg.readDir(src.Path)
	if err != nil {
		return fmt.Errorf("reading the Hart folder: %w", err)
	}
	var names []string
	for _, e := range entries {
		l := strings.ToLower(e.Name())
		if !e.IsDir() && strings.HasSuffix(l, "xml") && !strings.HasSuffix(l, ".sig.xml") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return fmt.Errorf("no .xml cast vote records in %s", src.Path)
	}
	sort.Strings(names)
	codeToName := map[string]string{}
	for _, n := range names {
		data, err := cfg.readFile(cfg.join(src.Path, n))
		if err != nil {
			return err
		}
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		var cvr struct {
			BatchNumber   string `xml:"BatchNumber"`
			CvrGUID       string `xml:"CvrGuid"`
			PrecinctSplit struct {
				Name string `xml:"Name"`
			} `xml:"PrecinctSplit"`
			Contests []struct {
				ID      string `xml:"Id"`
				Options []struct {
					Name  string `xml:"Name"`
					ID    string `xml:"Id"`
					Value string `xml:"Value"`
				} `xml:"Options>Option"`
			} `xml:"Contests>Contest"`
		}
		if err := xml.Unmarshal(data, &cvr); err != nil {
			return fmt.Errorf("%s: not a Hart CVR XML file: %w", n, err)
		}
		for _, c := range cvr.Contests {
			if c.ID != src.ContestID {
				continue
			}

			var marks []ranking
			for _, o := range c.Options {
				code := o.ID
				if src.UWILabel != "" && code == src.UWILabel {
					code = UWI
				} else {
					if prev, ok := codeToName[code]; ok && prev != o.Name {
						return fmt.Errorf("%s: candidate code %s is named %q here but %q elsewhere", n, code, o.Name, prev)
					}
					codeToName[code] = o.Name
				}
				for i, ch := range o.Value {
					if ch == '1' {
						if i+1 > cfg.MaxRankings && !cfg.maxRankingsIsMax {
							return fmt.Errorf("%s: rank %d is above maxRankingsAllowed (%d)", n, i+1, cfg.MaxRankings)
						}
						marks = append(marks, ranking{i + 1, code})
					}
				}
			}
			if err := bs.add(label(n), marks, cvr.PrecinctSplit.Name, cvr.BatchNumber, cvr.CvrGUID); err != nil {
				return err
			}
		}
	}
	return nil
}
