package stv

import (
	"math/big"
	"strings"
)

// arith is the arithmetic a WIGM or Meek count runs in. Droop offers exact
// rationals and "guarded" fixed point; we reproduce both, so that a count can be
// checked figure for figure against Droop's.
type arith[V any] interface {
	of(n int64) V
	add(a, b V) V
	sub(a, b V) V
	mul(a, b V) V
	mulInt(a V, n int64) V // exact
	div(a, b V) V
	// cmp orders two values; guarded arithmetic calls values within half a
	// guard unit equal.
	cmp(a, b V) int
	// exactCmp orders two values with no tolerance.
	exactCmp(a, b V) int
	isZero(a V) bool
	// format shows a value to places decimals, rounded half up.
	format(a V, places int) string
	name() string
	// mulUp and divUp round up where mul and div round down (fixed point only;
	// Droop ignores the rounding direction when there are guard digits).
	mulUp(a, b V) V
	divUp(a, b V) V
	// unit is the smallest positive value (zero for exact arithmetic).
	unit() V
	// bits is the size of a value's representation, to stop exact counts whose
	// numbers grow without bound.
	bits(a V) int
}

type bigRat = big.Rat

// rational is exact arithmetic in big.Rat.
type rational struct{}

func (rational) of(n int64) *big.Rat        { return new(big.Rat).SetInt64(n) }
func (rational) add(a, b *big.Rat) *big.Rat { return new(big.Rat).Add(a, b) }
func (rational) sub(a, b *big.Rat) *big.Rat { return new(big.Rat).Sub(a, b) }
func (rational) mul(a, b *big.Rat) *big.Rat { return new(big.Rat).Mul(a, b) }
func (rational) mulInt(a *big.Rat, n int64) *big.Rat {
	return new(big.Rat).Mul(a, new(big.Rat).SetInt64(n))
}
func (rational) div(a, b *big.Rat) *big.Rat { return new(big.Rat).Quo(a, b) }
func (rational) cmp(a, b *big.Rat) int      { return a.Cmp(b) }
func (rational) exactCmp(a, b *big.Rat) int { return a.Cmp(b) }
func (rational) isZero(a *big.Rat) bool     { return a.Sign() == 0 }
func (rational) name() string               { return "rational" }
func (rational) format(a *big.Rat, places int) string {
	// round half up: floor(a×10^places + 1/2)
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
	neg := a.Sign() < 0
	x := new(big.Rat).Abs(a)
	x.Mul(x, new(big.Rat).SetInt(scale))
	x.Add(x, big.NewRat(1, 2))
	q := new(big.Int).Quo(x.Num(), x.Denom())
	return decimalString(q, places, neg)
}

// decimalString writes q/10^places with exactly places decimals.
func decimalString(q *big.Int, places int, neg bool) string {
	s := q.String()
	if len(s) <= places {
		s = strings.Repeat("0", places-len(s)+1) + s
	}
	if places > 0 {
		s = s[:len(s)-places] + "." + s[len(s)-places:]
	}
	if neg && q.Sign() != 0 {
		s = "-" + s
	}
	return s
}

// guarded is Droop's guarded fixed point: values are whole multiples of
// 10^-(precision+guard), products and quotients are rounded down to that, and
// values closer than half a unit of the guard digits (10^guard/2 units) compare
// equal — so that rounding in the guard digits never decides an outcome.
type guarded struct {
	precision, guard int
	scale            *big.Int // 10^(precision+guard)
	geps             *big.Int // 10^guard / 2
}

func newGuarded(precision, guard int) guarded {
	g := guarded{precision: precision, guard: guard}
	g.scale = new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(precision+guard)), nil)
	g.geps = new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(guard)), nil)
	g.geps.Quo(g.geps, big.NewInt(2))
	if g.geps.Sign() == 0 {
		g.geps.SetInt64(1)
	}
	return g
}

func (g guarded) of(n int64) *big.Int        { return new(big.Int).Mul(big.NewInt(n), g.scale) }
func (g guarded) add(a, b *big.Int) *big.Int { return new(big.Int).Add(a, b) }
func (g guarded) sub(a, b *big.Int) *big.Int { return new(big.Int).Sub(a, b) }
func (g guarded) mul(a, b *big.Int) *big.Int {
	x := new(big.Int).Mul(a, b)
	return floorDiv(x, g.scale)
}
func (g guarded) mulInt(a *big.Int, n int64) *big.Int { return new(big.Int).Mul(a, big.NewInt(n)) }
func (g guarded) div(a, b *big.Int) *big.Int {
	x := new(big.Int).Mul(a, g.scale)
	return floorDiv(x, b)
}
func (g guarded) cmp(a, b *big.Int) int {
	d := new(big.Int).Sub(a, b)
	if new(big.Int).Abs(d).Cmp(g.geps) < 0 {
		return 0
	}
	return d.Sign()
}
func (g guarded) exactCmp(a, b *big.Int) int { return a.Cmp(b) }
func (g guarded) isZero(a *big.Int) bool     { return a.Sign() == 0 }
func (g guarded) name() string               { return "guarded" }
func (g guarded) bits(a *big.Int) int        { return a.BitLen() }
func (g guarded) format(a *big.Int, places int) string {
	// Droop: (v + 10^(p+g-d)/2) // 10^(p+g-d), shown with d decimals.
	drop := g.precision + g.guard - places
	neg := a.Sign() < 0
	v := new(big.Int).Abs(a)
	if drop > 0 {
		dd := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(drop)), nil)
		v.Add(v, new(big.Int).Quo(dd, big.NewInt(2)))
		v.Quo(v, dd)
	} else if drop < 0 {
		v.Mul(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-drop)), nil))
	}
	return decimalString(v, places, neg)
}

// floorDiv is Python's //: the quotient rounded toward minus infinity.
func floorDiv(x, y *big.Int) *big.Int {
	q, m := new(big.Int).DivMod(x, y, new(big.Int))
	// DivMod is Euclidean (m ≥ 0); that equals floor division when y > 0.
	if y.Sign() < 0 && m.Sign() != 0 {
		q.Sub(q, big.NewInt(1))
	}
	return q
}

func (rational) bits(a *big.Rat) int { return a.Num().BitLen() + a.Denom().BitLen() }

func (rational) unit() *big.Rat  { return new(big.Rat) }
func (g guarded) unit() *big.Int { return big.NewInt(1) }

func (r rational) mulUp(a, b *big.Rat) *big.Rat { return r.mul(a, b) }
func (r rational) divUp(a, b *big.Rat) *big.Rat { return r.div(a, b) }

func (g guarded) mulUp(a, b *big.Int) *big.Int {
	if g.guard > 0 {
		return g.mul(a, b)
	}
	return ceilDiv(new(big.Int).Mul(a, b), g.scale)
}

func (g guarded) divUp(a, b *big.Int) *big.Int {
	if g.guard > 0 {
		return g.div(a, b)
	}
	return ceilDiv(new(big.Int).Mul(a, g.scale), b)
}

// ceilDiv is x/y rounded up, for y > 0.
func ceilDiv(x, y *big.Int) *big.Int {
	q, m := new(big.Int).DivMod(x, y, new(big.Int))
	if m.Sign() != 0 {
		q.Add(q, big.NewInt(1))
	}
	return q
}
