package rctab

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// Dec is a decimal number with an explicit scale, mirroring java.math.BigDecimal as
// RCTab uses it: sums keep the larger scale, products add scales, and the scale shows
// in the printed form ("654" and "654.0000" are equal but print differently). RCTab's
// reports depend on that, so we track it exactly. The unscaled value is an int64; the
// configuration limits decimal places so that it cannot overflow for real elections.
type Dec struct {
	u int64
	s int32
}

var pow10 = func() [19]int64 {
	var p [19]int64
	p[0] = 1
	for i := 1; i < 19; i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// DecInt returns the integer n with scale 0.
func DecInt(n int64) Dec { return Dec{u: n} }

func (d Dec) rescale(s int32) int64 {
	if s == d.s {
		return d.u
	}
	return d.u * pow10[s-d.s]
}

// Add returns d+e with scale max(d.s, e.s).
func (d Dec) Add(e Dec) Dec {
	s := max(d.s, e.s)
	return Dec{u: d.rescale(s) + e.rescale(s), s: s}
}

// Sub returns d-e with scale max(d.s, e.s).
func (d Dec) Sub(e Dec) Dec {
	s := max(d.s, e.s)
	return Dec{u: d.rescale(s) - e.rescale(s), s: s}
}

// Mul returns d*e with scale d.s+e.s.
func (d Dec) Mul(e Dec) Dec { return Dec{u: d.u * e.u, s: d.s + e.s} }

// MulInt returns d*n keeping d's scale (BigDecimal.multiply by a scale-0 value).
func (d Dec) MulInt(n int64) Dec { return Dec{u: d.u * n, s: d.s} }

// Cmp compares numerically, ignoring scale.
func (d Dec) Cmp(e Dec) int {
	s := max(d.s, e.s)
	a, b := d.rescale(s), e.rescale(s)
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Sign returns -1, 0 or 1.
func (d Dec) Sign() int {
	switch {
	case d.u < 0:
		return -1
	case d.u > 0:
		return 1
	}
	return 0
}

// IsZero reports a numeric zero.
func (d Dec) IsZero() bool { return d.u == 0 }

// SetScaleDown truncates (RoundingMode.DOWN) or extends d to scale s.
func (d Dec) SetScaleDown(s int32) Dec {
	if s >= d.s {
		return Dec{u: d.rescale(s), s: s}
	}
	return Dec{u: d.u / pow10[d.s-s], s: s}
}

// roundMode is the subset of java.math.RoundingMode RCTab uses.
type roundMode int

const (
	roundDown roundMode = iota // toward zero
	roundUp                    // away from zero
)

// Div returns d/e with scale s, rounded by mode (BigDecimal.divide(e, s, mode)).
func (d Dec) Div(e Dec, s int32, mode roundMode) Dec {
	// d/e = (d.u/10^d.s)/(e.u/10^e.s); result unscaled = d.u*10^(s-d.s+e.s)/e.u
	num := big.NewInt(d.u)
	den := big.NewInt(e.u)
	exp := int64(s) - int64(d.s) + int64(e.s)
	ten := big.NewInt(10)
	if exp >= 0 {
		num.Mul(num, new(big.Int).Exp(ten, big.NewInt(exp), nil))
	} else {
		den.Mul(den, new(big.Int).Exp(ten, big.NewInt(-exp), nil))
	}
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	if mode == roundUp && r.Sign() != 0 {
		if (num.Sign() < 0) != (den.Sign() < 0) {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return Dec{u: q.Int64(), s: s}
}

// String formats like BigDecimal.toString.
func (d Dec) String() string {
	digits := strconv.FormatInt(d.u, 10)
	neg := false
	if strings.HasPrefix(digits, "-") {
		neg = true
		digits = digits[1:]
	}
	adjusted := -int64(d.s) + int64(len(digits)-1)
	var out string
	if d.s >= 0 && adjusted >= -6 {
		if d.s == 0 {
			out = digits
		} else if int(d.s) >= len(digits) {
			out = "0." + strings.Repeat("0", int(d.s)-len(digits)) + digits
		} else {
			out = digits[:len(digits)-int(d.s)] + "." + digits[len(digits)-int(d.s):]
		}
	} else {
		out = digits[:1]
		if len(digits) > 1 {
			out += "." + digits[1:]
		}
		out += "E"
		if adjusted >= 0 {
			out += "+"
		}
		out += strconv.FormatInt(adjusted, 10)
	}
	if neg {
		return "-" + out
	}
	return out
}

// ParseDec parses a plain decimal such as "12", "0.5" or "-3.25" (new BigDecimal(String)).
func ParseDec(str string) (Dec, error) {
	t := strings.TrimSpace(str)
	if t == "" {
		return Dec{}, fmt.Errorf("empty number")
	}
	neg := false
	if t[0] == '-' || t[0] == '+' {
		neg = t[0] == '-'
		t = t[1:]
	}
	intPart, frac, _ := strings.Cut(t, ".")
	if intPart == "" && frac == "" {
		return Dec{}, fmt.Errorf("invalid number %q", str)
	}
	all := intPart + frac
	for _, c := range all {
		if c < '0' || c > '9' {
			return Dec{}, fmt.Errorf("invalid number %q", str)
		}
	}
	if len(strings.TrimLeft(all, "0")) > 17 || len(frac) > 18 {
		return Dec{}, fmt.Errorf("number %q out of range", str)
	}
	u, err := strconv.ParseInt(all, 10, 64)
	if err != nil {
		return Dec{}, fmt.Errorf("invalid number %q", str)
	}
	if neg {
		u = -u
	}
	return Dec{u: u, s: int32(len(frac))}, nil
}

// percentString reproduces RCTab's CSV "% of vote" cell: the quotient rounded to 7
// significant digits (MathContext.DECIMAL32, half-even), truncated to hundredths of a
// percent, printed as a Java double.
func percentString(num, den Dec) string {
	if den.IsZero() {
		return ""
	}
	if num.IsZero() {
		return "0.0%"
	}
	// r = num/den as a rational
	n := new(big.Int).Mul(big.NewInt(num.u), pow10Big(int64(den.s)))
	m := new(big.Int).Mul(big.NewInt(den.u), pow10Big(int64(num.s)))
	if m.Sign() < 0 {
		n.Neg(n)
		m.Neg(m)
	}
	neg := n.Sign() < 0
	n.Abs(n)
	// find k so that 10^6 <= n*10^k/m < 10^7
	k := int64(0)
	lo := pow10Big(6)
	hi := pow10Big(7)
	for {
		var q *big.Int
		if k >= 0 {
			q = new(big.Int).Quo(new(big.Int).Mul(n, pow10Big(k)), m)
		} else {
			q = new(big.Int).Quo(n, new(big.Int).Mul(m, pow10Big(-k)))
		}
		if q.Cmp(lo) < 0 {
			k++
			continue
		}
		if q.Cmp(hi) >= 0 {
			k--
			continue
		}
		break
	}
	// half-even rounding of n*10^k/m
	var num2, den2 *big.Int
	if k >= 0 {
		num2, den2 = new(big.Int).Mul(n, pow10Big(k)), new(big.Int).Set(m)
	} else {
		num2, den2 = new(big.Int).Set(n), new(big.Int).Mul(m, pow10Big(-k))
	}
	q, r := new(big.Int).QuoRem(num2, den2, new(big.Int))
	c := new(big.Int).Mul(r, big.NewInt(2)).Cmp(den2)
	if c > 0 || (c == 0 && q.Bit(0) == 1) {
		q.Add(q, big.NewInt(1))
	}
	// value = q * 10^-k; we want trunc(value*10^4)
	e := 4 - k
	var iv *big.Int
	if e >= 0 {
		iv = new(big.Int).Mul(q, pow10Big(e))
	} else {
		iv = new(big.Int).Quo(q, pow10Big(-e))
	}
	v := iv.Int64()
	if neg {
		v = -v
	}
	return javaDoubleString(float64(v)/100.0) + "%"
}

func pow10Big(k int64) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(k), nil) }

// javaDoubleString formats like Java's Double.toString for ordinary magnitudes.
func javaDoubleString(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}
