package rctab

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/rulebook/rulebook/count"
)

// flexString accepts a JSON string, number or boolean: RCTab configs written by hand
// use numbers where the GUI writes strings ("numberOfWinners": 1 vs "1").
type flexString struct {
	v   string
	set bool
}

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	f.set = true
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &f.v)
	}
	if string(b) == "true" || string(b) == "false" {
		f.v = string(b)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("expected a string or number, got %s", b)
	}
	f.v = n.String()
	return nil
}

// flexBool accepts true/false or the strings "true"/"false".
type flexBool struct {
	v   bool
	bad string
}

func (f *flexBool) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch string(b) {
	case "null", "false":
		f.v = false
		return nil
	case "true":
		f.v = true
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		switch s {
		case "true":
			f.v = true
			return nil
		case "false", "":
			return nil
		}
		f.bad = s
		return nil
	}
	f.bad = string(b)
	return nil
}

type rawConfig struct {
	TabulatorVersion flexString `json:"tabulatorVersion"`
	OutputSettings   struct {
		ContestName         flexString `json:"contestName"`
		OutputDirectory     flexString `json:"outputDirectory"`
		ContestDate         flexString `json:"contestDate"`
		ContestJurisdiction flexString `json:"contestJurisdiction"`
		ContestOffice       flexString `json:"contestOffice"`
		TabulateByBatch     flexBool   `json:"tabulateByBatch"`
		TabulateByPrecinct  flexBool   `json:"tabulateByPrecinct"`
		GenerateCdfJSON     flexBool   `json:"generateCdfJson"`
	} `json:"outputSettings"`
	CvrFileSources []rawSource    `json:"cvrFileSources"`
	Candidates     []rawCandidate `json:"candidates"`
	Rules          struct {
		TiebreakMode                          flexString `json:"tiebreakMode"`
		OvervoteRule                          flexString `json:"overvoteRule"`
		WinnerElectionMode                    flexString `json:"winnerElectionMode"`
		RandomSeed                            flexString `json:"randomSeed"`
		NumberOfWinners                       flexString `json:"numberOfWinners"`
		MultiSeatBottomsUpPercentageThreshold flexString `json:"multiSeatBottomsUpPercentageThreshold"`
		DecimalPlacesForVoteArithmetic        flexString `json:"decimalPlacesForVoteArithmetic"`
		MinimumVoteThreshold                  flexString `json:"minimumVoteThreshold"`
		MaxSkippedRanksAllowed                flexString `json:"maxSkippedRanksAllowed"`
		MaxRankingsAllowed                    flexString `json:"maxRankingsAllowed"`
		NonIntegerWinningThreshold            flexBool   `json:"nonIntegerWinningThreshold"`
		DoesFirstRoundDetermineThreshold      flexBool   `json:"doesFirstRoundDetermineThreshold"`
		HareQuota                             flexBool   `json:"hareQuota"`
		BatchElimination                      flexBool   `json:"batchElimination"`
		CutoffElimination                     flexBool   `json:"cutoffElimination"`
		ContinueUntilTwoCandidatesRemain      flexBool   `json:"continueUntilTwoCandidatesRemain"`
		StopTabulationEarlyAfterRound         flexString `json:"stopTabulationEarlyAfterRound"`
		ExhaustOnDuplicateCandidate           flexBool   `json:"exhaustOnDuplicateCandidate"`
		RulesDescription                      flexString `json:"rulesDescription"`
	} `json:"rules"`
}

type rawSource struct {
	FilePath                      flexString `json:"filePath"`
	ContestID                     flexString `json:"contestId"`
	FirstVoteColumnIndex          flexString `json:"firstVoteColumnIndex"`
	FirstVoteRowIndex             flexString `json:"firstVoteRowIndex"`
	IDColumnIndex                 flexString `json:"idColumnIndex"`
	BatchColumnIndex              flexString `json:"batchColumnIndex"`
	PrecinctColumnIndex           flexString `json:"precinctColumnIndex"`
	OvervoteDelimiter             flexString `json:"overvoteDelimiter"`
	Provider                      flexString `json:"provider"`
	OvervoteLabel                 flexString `json:"overvoteLabel"`
	SkippedRankLabel              flexString `json:"skippedRankLabel"`
	UndeclaredWriteInLabel        flexString `json:"undeclaredWriteInLabel"`
	TreatBlankAsUndeclaredWriteIn flexBool   `json:"treatBlankAsUndeclaredWriteIn"`
}

type rawCandidate struct {
	Name     flexString   `json:"name"`
	Code     flexString   `json:"code"`
	Aliases  []flexString `json:"aliases"`
	Excluded flexBool     `json:"excluded"`
}

// Winner election modes (rules.winnerElectionMode).
const (
	modeSingle         = "singleWinnerMajority"
	modeOnlyOnePerRnd  = "multiWinnerAllowOnlyOneWinnerPerRound"
	modeMultiplePerRnd = "multiWinnerAllowMultipleWinnersPerRound"
	modeBottomsUp      = "bottomsUp"
	modeBottomsUpPct   = "bottomsUpUsingPercentageThreshold"
	modeMultiPass      = "multiPassIrv"
)

// Tie-break modes (rules.tiebreakMode).
const (
	tieRandom            = "random"
	tieInteractive       = "stopCountingAndAsk"
	tievPrevThenRandom   = "previousRoundCountsThenRandom"
	tiePrevThenAsk       = "previousRoundCountsThenAsk"
	tieUseCandidateOrder = "useCandidateOrder"
	tieGeneratePerm      = "generatePermutation"
)

// Overvote rules (rules.overvoteRule).
const (
	ovSkip             = "alwaysSkipToNextRank"
	ovExhaust          = "exhaustImmediately"
	ovExhaustIfMultipe = "exhaustIfMultipleContinuing"
)

// UWI is the name RCTab gives every undeclared write-in.
const UWI = "Undeclared Write-ins"

// Source is one validated cast-vote-record source.
type Source struct {
	Path              string // resolved
	RawPath           string
	Provider          string
	ContestID         string
	FirstVoteColumn   int // 1-based; 0 if not given
	FirstVoteRow      int
	IDColumn          int
	BatchColumn       int
	PrecinctColumn    int
	OvervoteDelimiter string
	OvervoteLabel     string
	SkippedRankLabel  string
	UWILabel          string
	TreatBlankAsUWI   bool
}

// Candidate is one declared candidate.
type Candidate struct {
	Name     string
	Code     string
	Aliases  []string
	Excluded bool
}

// Config is a validated RCTab contest configuration.
type Config struct {
	Path        string
	Dir         string
	ContestName string
	// OutputDirectory is outputSettings.outputDirectory, relative to the config's folder.
	OutputDirectory     string
	ContestDate         string
	ContestJurisdiction string
	ContestOffice       string
	TabulateByPrecinct  bool
	TabulateByBatch     bool
	GenerateCdfJSON     bool

	Sources    []Source
	Candidates []Candidate

	TiebreakMode         string
	OvervoteRule         string
	Mode                 string
	RandomSeed           int64
	NumberOfWinners      int
	BottomsUpPercent     Dec // fraction, e.g. 0.1500
	bottomsUpPercentRaw  string
	DecimalPlaces        int32
	MinimumVoteThreshold Dec
	MaxSkippedRanks      int // -1 = unlimited
	MaxRankings          int // resolved ("max" = number of declared candidates)
	maxRankingsIsMax     bool
	NonIntegerThreshold  bool
	FirstRoundThreshold  bool
	HareQuota            bool
	BatchElimination     bool
	CutoffElimination    bool
	ContinueUntilTwo     bool
	StopAfterRound       int // 0 = never
	ExhaustOnDuplicate   bool

	// derived
	uwiEnabled bool
	// aliasToName maps every name, code and alias to the candidate's name.
	aliasToName map[string]string
	// fsys holds the cast vote records (see files.go); nil means the operating system's.
	fsys fs.FS
}

// ConfigError lists every problem found in a configuration file.
type ConfigError struct {
	Path     string
	Problems []string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("invalid RCTab config %s:\n  %s", e.Path, strings.Join(e.Problems, "\n  "))
}

// maxDecimalPlaces bounds decimalPlacesForVoteArithmetic so that vote arithmetic fits
// our 64-bit scaled integers (RCTab itself allows up to 20).
const maxDecimalPlaces = 9

// LoadConfig reads and validates an RCTab contest configuration file.
func LoadConfig(path string) (*Config, error) { return LoadConfigFS(osFiles{}, path) }

// LoadConfigFS reads and validates the RCTab contest configuration name in fsys. The
// cast vote record files it names are looked for in fsys too, relative to the
// config's folder there, and must not lead outside fsys.
func LoadConfigFS(fsys fs.FS, name string) (*Config, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("reading RCTab config: %w", err)
	}
	return parseConfig(fsys, name, data)
}

// ParseConfig validates an RCTab configuration; path locates relative CVR paths.
func ParseConfig(path string, data []byte) (*Config, error) {
	return parseConfig(osFiles{}, path, data)
}

// parseConfig validates an RCTab configuration whose files are in fsys.
func parseConfig(fsys fs.FS, path string, data []byte) (*Config, error) {
	var raw rawConfig
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("RCTab config %s is not valid JSON for a contest config: %w", path, err)
	}
	c := &Config{Path: path, Dir: dirOf(fsys, path), fsys: fsys}
	var probs []string
	bad := func(f string, a ...any) { probs = append(probs, fmt.Sprintf(f, a...)) }

	if strings.TrimSpace(raw.TabulatorVersion.v) == "" {
		bad("tabulatorVersion is required")
	}
	os := raw.OutputSettings
	c.ContestName = os.ContestName.v
	c.OutputDirectory = strings.TrimSpace(os.OutputDirectory.v)
	c.ContestDate = os.ContestDate.v
	c.ContestJurisdiction = os.ContestJurisdiction.v
	c.ContestOffice = os.ContestOffice.v
	if strings.TrimSpace(c.ContestName) == "" {
		bad("outputSettings.contestName is required")
	}
	for _, f := range []namedBool{{"outputSettings.tabulateByPrecinct", os.TabulateByPrecinct},
		{"outputSettings.tabulateByBatch", os.TabulateByBatch}, {"outputSettings.generateCdfJson", os.GenerateCdfJSON}} {
		if f.b.bad != "" {
			bad("%s must be true or false, got %q", f.name, f.b.bad)
		}
	}
	c.TabulateByPrecinct = os.TabulateByPrecinct.v
	c.TabulateByBatch = os.TabulateByBatch.v
	c.GenerateCdfJSON = os.GenerateCdfJSON.v

	r := raw.Rules
	c.TiebreakMode = r.TiebreakMode.v
	switch c.TiebreakMode {
	case tieRandom, tieInteractive, tievPrevThenRandom, tiePrevThenAsk, tieUseCandidateOrder, tieGeneratePerm:
	default:
		bad("rules.tiebreakMode %q is not one of random, stopCountingAndAsk, previousRoundCountsThenRandom, previousRoundCountsThenAsk, useCandidateOrder, generatePermutation", c.TiebreakMode)
	}
	c.OvervoteRule = r.OvervoteRule.v
	switch c.OvervoteRule {
	case ovSkip, ovExhaust, ovExhaustIfMultipe:
	default:
		bad("rules.overvoteRule %q is not one of alwaysSkipToNextRank, exhaustImmediately, exhaustIfMultipleContinuing", c.OvervoteRule)
	}
	c.Mode = r.WinnerElectionMode.v
	switch c.Mode {
	case modeSingle, modeOnlyOnePerRnd, modeMultiplePerRnd, modeBottomsUp, modeBottomsUpPct, modeMultiPass:
	default:
		bad("rules.winnerElectionMode %q is not one of singleWinnerMajority, multiWinnerAllowOnlyOneWinnerPerRound, multiWinnerAllowMultipleWinnersPerRound, bottomsUp, bottomsUpUsingPercentageThreshold, multiPassIrv", c.Mode)
	}
	if c.TiebreakMode == tieRandom || c.TiebreakMode == tievPrevThenRandom || c.TiebreakMode == tieGeneratePerm {
		s := strings.TrimSpace(r.RandomSeed.v)
		if s == "" {
			bad("rules.randomSeed is required when tiebreakMode is %q", c.TiebreakMode)
		} else if n, err := strconv.ParseInt(s, 10, 64); err != nil || n < -140737488355328 || n > 140737488355327 {
			bad("rules.randomSeed must be an integer from -140737488355328 to 140737488355327, got %q", s)
		} else {
			c.RandomSeed = n
		}
	}
	intField := func(name string, f flexString, lo, hi int, required bool) (int, bool) {
		s := strings.TrimSpace(f.v)
		if s == "" {
			if required {
				bad("%s is required (an integer from %d to %d)", name, lo, hi)
			}
			return 0, false
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < lo || n > hi {
			bad("%s must be an integer from %d to %d, got %q", name, lo, hi, s)
			return 0, false
		}
		return n, true
	}
	c.NumberOfWinners, _ = intField("rules.numberOfWinners", r.NumberOfWinners, 0, 1<<30, true)
	dp, _ := intField("rules.decimalPlacesForVoteArithmetic", r.DecimalPlacesForVoteArithmetic, 1, 20, true)
	if dp > maxDecimalPlaces {
		bad("rules.decimalPlacesForVoteArithmetic %d is more than this counter supports (%d)", dp, maxDecimalPlaces)
	}
	c.DecimalPlaces = int32(dp)
	if s := strings.TrimSpace(r.MinimumVoteThreshold.v); s != "" {
		d, err := ParseDec(s)
		if err != nil || d.Sign() < 0 || d.Cmp(DecInt(1000000)) > 0 {
			bad("rules.minimumVoteThreshold must be a number from 0 to 1000000, got %q", s)
		} else {
			c.MinimumVoteThreshold = d
		}
	}
	if s := strings.TrimSpace(r.MaxSkippedRanksAllowed.v); strings.EqualFold(s, "unlimited") {
		c.MaxSkippedRanks = -1
	} else {
		c.MaxSkippedRanks, _ = intField("rules.maxSkippedRanksAllowed", r.MaxSkippedRanksAllowed, 0, 1<<30, true)
	}
	maxRankRaw := strings.TrimSpace(r.MaxRankingsAllowed.v)
	if strings.EqualFold(maxRankRaw, "max") {
		c.maxRankingsIsMax = true
	} else {
		c.MaxRankings, _ = intField("rules.maxRankingsAllowed", r.MaxRankingsAllowed, 1, 1<<30, true)
	}
	if c.Mode == modeBottomsUpPct || strings.TrimSpace(r.MultiSeatBottomsUpPercentageThreshold.v) != "" {
		if n, ok := intField("rules.multiSeatBottomsUpPercentageThreshold", r.MultiSeatBottomsUpPercentageThreshold, 1, 100, c.Mode == modeBottomsUpPct); ok {
			c.bottomsUpPercentRaw = strconv.Itoa(n)
			// exact BigDecimal division: 15/100 = 0.15, 10/100 = 0.1
			p := Dec{u: int64(n), s: 2}
			for p.s > 0 && p.u%10 == 0 {
				p = Dec{u: p.u / 10, s: p.s - 1}
			}
			c.BottomsUpPercent = p
		}
	}
	if s := strings.TrimSpace(r.StopTabulationEarlyAfterRound.v); s != "" {
		c.StopAfterRound, _ = intField("rules.stopTabulationEarlyAfterRound", r.StopTabulationEarlyAfterRound, 1, 1<<30, false)
	}
	// A slice, not a map, so that several bad settings are reported in one order.
	for _, f := range []namedBool{
		{"rules.nonIntegerWinningThreshold", r.NonIntegerWinningThreshold}, {"rules.doesFirstRoundDetermineThreshold", r.DoesFirstRoundDetermineThreshold},
		{"rules.hareQuota", r.HareQuota}, {"rules.batchElimination", r.BatchElimination}, {"rules.cutoffElimination", r.CutoffElimination},
		{"rules.continueUntilTwoCandidatesRemain", r.ContinueUntilTwoCandidatesRemain}, {"rules.exhaustOnDuplicateCandidate", r.ExhaustOnDuplicateCandidate}} {
		if f.b.bad != "" {
			bad("%s must be true or false, got %q", f.name, f.b.bad)
		}
	}
	c.NonIntegerThreshold = r.NonIntegerWinningThreshold.v
	c.FirstRoundThreshold = r.DoesFirstRoundDetermineThreshold.v
	c.HareQuota = r.HareQuota.v
	c.BatchElimination = r.BatchElimination.v
	c.CutoffElimination = r.CutoffElimination.v
	c.ContinueUntilTwo = r.ContinueUntilTwoCandidatesRemain.v
	c.ExhaustOnDuplicate = r.ExhaustOnDuplicateCandidate.v

	// mode-specific rules, as RCTab's validation has them
	if c.NumberOfWinners > 0 {
		if c.Mode == modeBottomsUpPct {
			bad("rules.numberOfWinners must be 0 when winnerElectionMode is bottomsUpUsingPercentageThreshold")
		}
		if c.NumberOfWinners > 1 && c.Mode != modeMultiPass {
			if c.ContinueUntilTwo {
				bad("rules.continueUntilTwoCandidatesRemain can't be true in a multi-seat contest unless winnerElectionMode is multiPassIrv")
			}
			if c.BatchElimination {
				bad("rules.batchElimination can't be true in a multi-seat contest unless winnerElectionMode is multiPassIrv")
			}
		}
		if c.NumberOfWinners == 1 && c.Mode != modeSingle && c.Mode != "" {
			bad("rules.winnerElectionMode can't be %q in a single-seat contest", c.Mode)
		}
	} else if r.NumberOfWinners.v != "" && c.Mode != modeBottomsUpPct {
		bad("rules.numberOfWinners is 0, so winnerElectionMode must be bottomsUpUsingPercentageThreshold")
	}
	if c.Mode == modeBottomsUpPct && c.BatchElimination {
		bad("rules.batchElimination can't be true when winnerElectionMode is bottomsUpUsingPercentageThreshold")
	}
	if c.Mode != modeOnlyOnePerRnd && c.Mode != modeMultiplePerRnd {
		if c.NonIntegerThreshold {
			bad("rules.nonIntegerWinningThreshold can't be true when winnerElectionMode is %q", c.Mode)
		}
		if c.HareQuota {
			bad("rules.hareQuota can't be true when winnerElectionMode is %q", c.Mode)
		}
	}
	if c.NonIntegerThreshold && c.HareQuota {
		bad("rules.nonIntegerWinningThreshold and rules.hareQuota can't both be true")
	}

	// candidates
	if len(raw.Candidates) == 0 {
		bad("candidates: at least one candidate is required")
	}
	if len(raw.Candidates) > count.MaxCandidates {
		bad("candidates: %d given; a count takes at most %d", len(raw.Candidates), count.MaxCandidates)
	}
	c.aliasToName = map[string]string{}
	seen := map[string]bool{}
	allExcluded := true
	for i, rc := range raw.Candidates {
		name := strings.TrimSpace(rc.Name.v)
		if name == "" {
			bad("candidates[%d].name is required", i)
			continue
		}
		if rc.Excluded.bad != "" {
			bad("candidates[%d].excluded must be true or false, got %q", i, rc.Excluded.bad)
		}
		cand := Candidate{Name: name, Code: strings.TrimSpace(rc.Code.v), Excluded: rc.Excluded.v}
		if !cand.Excluded {
			allExcluded = false
		}
		keys := []string{name}
		if cand.Code != "" {
			keys = append(keys, cand.Code)
		}
		for _, a := range rc.Aliases {
			if s := strings.TrimSpace(a.v); s != "" {
				cand.Aliases = append(cand.Aliases, s)
				keys = append(keys, s)
			}
		}
		for _, k := range keys {
			if k == UWI || strings.EqualFold(k, "overvote") || strings.EqualFold(k, "residual surplus") || strings.EqualFold(k, "exhausted") || strings.EqualFold(k, "uncounted") {
				bad("candidates[%d]: %q is a reserved term and can't be used as a candidate name, code or alias", i, k)
			}
			if seen[k] && k != name || (k == name && seen[k]) {
				bad("candidates[%d]: name, code or alias %q is used more than once", i, k)
			}
			seen[k] = true
			c.aliasToName[k] = name
		}
		c.Candidates = append(c.Candidates, cand)
	}
	if len(raw.Candidates) > 0 && allExcluded {
		bad("candidates: every candidate is excluded")
	}

	// sources
	if len(raw.CvrFileSources) == 0 {
		bad("cvrFileSources: at least one cast vote record source is required")
	}
	paths := map[string]bool{}
	for i, rs := range raw.CvrFileSources {
		where := fmt.Sprintf("cvrFileSources[%d]", i)
		s := Source{RawPath: strings.TrimSpace(rs.FilePath.v), Provider: strings.TrimSpace(rs.Provider.v),
			ContestID: strings.TrimSpace(rs.ContestID.v), OvervoteDelimiter: rs.OvervoteDelimiter.v,
			OvervoteLabel: strings.TrimSpace(rs.OvervoteLabel.v), SkippedRankLabel: strings.TrimSpace(rs.SkippedRankLabel.v),
			UWILabel: strings.TrimSpace(rs.UndeclaredWriteInLabel.v), TreatBlankAsUWI: rs.TreatBlankAsUndeclaredWriteIn.v}
		if s.RawPath != "" {
			where += " (" + s.RawPath + ")"
		}
		if rs.TreatBlankAsUndeclaredWriteIn.bad != "" {
			bad("%s.treatBlankAsUndeclaredWriteIn must be true or false, got %q", where, rs.TreatBlankAsUndeclaredWriteIn.bad)
		}
		if s.RawPath == "" {
			bad("%s.filePath is required", where)
		} else {
			s.Path = c.resolve(s.RawPath)
			if paths[s.Path] {
				bad("%s.filePath is listed more than once", where)
			}
			paths[s.Path] = true
			if _, err := c.statPath(s.Path); err != nil {
				bad("%s.filePath: %v", where, err)
			}
		}
		col := func(name string, f flexString, lo, hi int, required bool) int {
			n, _ := intField(where+"."+name, f, lo, hi, required)
			return n
		}
		switch s.Provider {
		case "ess":
			s.FirstVoteColumn = col("firstVoteColumnIndex", rs.FirstVoteColumnIndex, 1, 1000, true)
			s.FirstVoteRow = col("firstVoteRowIndex", rs.FirstVoteRowIndex, 1, 100000, true)
			s.IDColumn = col("idColumnIndex", rs.IDColumnIndex, 1, 1000, false)
			s.PrecinctColumn = col("precinctColumnIndex", rs.PrecinctColumnIndex, 1, 1000, false)
			s.BatchColumn = col("batchColumnIndex", rs.BatchColumnIndex, 1, 1000, false)
			if c.TabulateByPrecinct && s.PrecinctColumn == 0 {
				bad("%s.precinctColumnIndex is required when tabulateByPrecinct is true", where)
			}
		case "genericCsv":
			s.FirstVoteColumn = col("firstVoteColumnIndex", rs.FirstVoteColumnIndex, 1, 1000, true)
			s.FirstVoteRow = col("firstVoteRowIndex", rs.FirstVoteRowIndex, 1, 100000, true)
			s.IDColumn = col("idColumnIndex", rs.IDColumnIndex, 1, 1000, false)
			s.PrecinctColumn = col("precinctColumnIndex", rs.PrecinctColumnIndex, 1, 1000, false)
			s.BatchColumn = col("batchColumnIndex", rs.BatchColumnIndex, 1, 1000, false)
		case "cdf", "dominion", "clearBallot", "hart":
		case "":
			bad("%s.provider is required", where)
		default:
			bad("%s.provider %q is not one of ess, cdf, dominion, clearBallot, hart, genericCsv", where, s.Provider)
		}
		if s.OvervoteDelimiter != "" && s.OvervoteLabel != "" {
			bad("%s: overvoteDelimiter and overvoteLabel can't both be given", where)
		}
		if s.OvervoteLabel != "" && c.OvervoteRule == ovExhaustIfMultipe {
			bad("%s.overvoteLabel can't be used with overvoteRule exhaustIfMultipleContinuing", where)
		}
		if s.OvervoteDelimiter != "" && strings.ContainsAny(s.OvervoteDelimiter, "\\") {
			bad("%s.overvoteDelimiter can't contain a backslash", where)
		}
		if s.UWILabel != "" || s.TreatBlankAsUWI {
			c.uwiEnabled = true
		}
		c.Sources = append(c.Sources, s)
	}
	if c.maxRankingsIsMax {
		c.MaxRankings = c.numDeclared()
	}
	if len(probs) > 0 {
		return nil, &ConfigError{Path: path, Problems: probs}
	}
	return c, nil
}

// numDeclared counts declared candidates (RCTab's getNumDeclaredCandidates).
func (c *Config) numDeclared() int { return len(c.Candidates) }

// candidateNames is RCTab's candidate set: declared names plus UWI when enabled.
func (c *Config) candidateNames() []string {
	var out []string
	for _, cd := range c.Candidates {
		out = append(out, cd.Name)
	}
	if c.uwiEnabled {
		out = append(out, UWI)
	}
	return out
}

func (c *Config) usesSurpluses() bool {
	return c.NumberOfWinners > 1 && c.Mode != modeBottomsUp && c.Mode != modeMultiPass
}

func (c *Config) divide(a, b Dec) Dec { return a.Div(b, c.DecimalPlaces, roundDown) }
func (c *Config) multiply(a, b Dec) Dec {
	return a.Mul(b).SetScaleDown(c.DecimalPlaces)
}

// namedBool is a true/false setting with the name errors give it.
type namedBool struct {
	name string
	b    flexBool
}
