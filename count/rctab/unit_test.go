package rctab

import (
	"math/big"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func TestDecString(t *testing.T) {
	for _, c := range []struct {
		d    Dec
		want string
	}{
		{Dec{0, 0}, "0"}, {Dec{0, 4}, "0.0000"}, {Dec{12345, 3}, "12.345"}, {Dec{5, 3}, "0.005"},
		{Dec{-5, 3}, "-0.005"}, {Dec{0, 8}, "0E-8"}, {Dec{1, 7}, "1E-7"}, {Dec{14866, 0}, "14866"},
		{Dec{148660000, 4}, "14866.0000"}, {Dec{123, 6}, "0.000123"},
	} {
		if got := c.d.String(); got != c.want {
			t.Errorf("%#v: got %s want %s", c.d, got, c.want)
		}
	}
}

func TestDecArithmeticKeepsScale(t *testing.T) {
	a := DecInt(654)
	b := Dec{0, 4}
	if got := a.Add(b).String(); got != "654.0000" {
		t.Errorf("654 + 0.0000 = %s", got)
	}
	if got := DecInt(1).Sub(Dec{10000, 4}).String(); got != "0.0000" {
		t.Errorf("1 - 1.0000 = %s", got)
	}
	if got := DecInt(27).Mul(Dec{15, 2}).String(); got != "4.05" {
		t.Errorf("27 * 0.15 = %s", got)
	}
	if got := DecInt(80101).Div(DecInt(4), 0, roundDown).String(); got != "20025" {
		t.Errorf("80101/4 = %s", got)
	}
	if got := DecInt(10).Div(DecInt(3), 4, roundUp).String(); got != "3.3334" {
		t.Errorf("10/3 up = %s", got)
	}
	if DecInt(5).Cmp(Dec{50000, 4}) != 0 {
		t.Error("5 and 5.0000 should compare equal")
	}
}

func TestDecMatchesRationals(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := Dec{rapid.Int64Range(-1e9, 1e9).Draw(t, "a"), int32(rapid.IntRange(0, 6).Draw(t, "as"))}
		b := Dec{rapid.Int64Range(-1e9, 1e9).Draw(t, "b"), int32(rapid.IntRange(0, 6).Draw(t, "bs"))}
		rat := func(d Dec) *big.Rat {
			return new(big.Rat).SetFrac(big.NewInt(d.u), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.s)), nil))
		}
		if rat(a.Add(b)).Cmp(new(big.Rat).Add(rat(a), rat(b))) != 0 {
			t.Fatalf("add %v %v", a, b)
		}
		if rat(a.Sub(b)).Cmp(new(big.Rat).Sub(rat(a), rat(b))) != 0 {
			t.Fatalf("sub %v %v", a, b)
		}
		if a.Cmp(b) != rat(a).Cmp(rat(b)) {
			t.Fatalf("cmp %v %v", a, b)
		}
		p, err := ParseDec(a.String())
		if err == nil && p.Cmp(a) != 0 {
			t.Fatalf("parse(%s) = %v", a.String(), p)
		}
	})
}

func TestPercentString(t *testing.T) {
	for _, c := range []struct {
		n, d Dec
		want string
	}{
		{DecInt(14678), DecInt(59463), "24.68%"}, {DecInt(0), DecInt(7), "0.0%"},
		{DecInt(14866), DecInt(59463), "25.0%"}, {DecInt(10), DecInt(15), "66.66%"},
		{Dec{148660000, 4}, DecInt(59463), "25.0%"},
	} {
		if got := percentString(c.n, c.d); got != c.want {
			t.Errorf("%v/%v: got %s want %s", c.n, c.d, got, c.want)
		}
	}
}

func TestJavaCompat(t *testing.T) {
	if h := javaStringHash("hello"); h != 99162322 {
		t.Errorf("hash(hello) = %d", h)
	}
	if javaStringHash("Aa") != javaStringHash("BB") {
		t.Error("Aa and BB collide in Java")
	}
	if d := newJavaRandom(0).nextDouble(); d != 0.730967787376657 {
		t.Errorf("new Random(0).nextDouble() = %v", d)
	}
	if n := newJavaRandom(0).nextInt(100); n != 60 {
		t.Errorf("new Random(0).nextInt(100) = %d", n)
	}
	if got := javaHashCapacity(12); got != 16 {
		t.Errorf("capacity(12) = %d", got)
	}
	if got := javaHashCapacity(13); got != 32 {
		t.Errorf("capacity(13) = %d", got)
	}
}

func TestCSVQuoting(t *testing.T) {
	for in, want := range map[string]string{
		"plain": "plain", "a, b": `"a, b"`, `say "hi"`: `"say ""hi"""`, "": "", "-342": "-342",
		"Mavodones, Nicholas M. Jr.": `"Mavodones, Nicholas M. Jr."`,
	} {
		if got := csvCell(in, false); got != want {
			t.Errorf("%q: got %s want %s", in, got, want)
		}
	}
}

func TestConfigErrorsNameFields(t *testing.T) {
	_, err := ParseConfig("x/y_config.json", []byte(`{"tabulatorVersion":"TEST","outputSettings":{"contestName":"c"},
	"cvrFileSources":[{"filePath":"nope.xlsx","provider":"ess","firstVoteColumnIndex":"0"}],
	"candidates":[{"name":"A"},{"name":"A"}],
	"rules":{"tiebreakMode":"random","overvoteRule":"exhaustImmediately","winnerElectionMode":"singleWinnerMajority",
	"numberOfWinners":"1","decimalPlacesForVoteArithmetic":"4","maxSkippedRanksAllowed":"1","maxRankingsAllowed":"max"}}`))
	if err == nil {
		t.Fatal("expected errors")
	}
	for _, want := range []string{"randomSeed", "firstVoteColumnIndex", "firstVoteRowIndex", "nope.xlsx", `"A" is used more than once`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
	if _, err := ParseConfig("c.json", []byte(`{"rules": 3}`)); err == nil || !strings.Contains(err.Error(), "c.json") {
		t.Errorf("bad JSON should be reported with the file: %v", err)
	}
}

func TestRunWritesNothingOnFailure(t *testing.T) {
	out := t.TempDir() + "/out"
	if _, err := Run("testdata/cases/max_ranking_enforcement/max_ranking_enforcement_config.json", out, Options{}); err == nil {
		t.Fatal("expected failure")
	}
	if _, err := Run("testdata/cases/skip_to_next_test/skip_to_next_test_config.json", out, Options{}); err != nil {
		t.Fatal(err)
	}
	files, _ := filepathGlob(out + "/*")
	if len(files) != 2 {
		t.Fatalf("want 2 reports, got %v", files)
	}
}
