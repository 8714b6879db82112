package loggen

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
)

// Salts keep the random streams of one region-hour independent.
const (
	saltPlan uint64 = 0x706c616e // the cell's traffic noise
	saltCell uint64 = 0x63656c6c // the cell's records and files
)

// newRNG is the random stream of one region-hour: a function of the seed, the region, the
// hour and the salt only, so cells can be generated in any order, in parallel.
func newRNG(seed int64, region string, hour int64, salt uint64) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(region))
	return rand.New(rand.NewPCG(mix(uint64(seed)^salt), mix(h.Sum64()^uint64(hour)*0x9e3779b97f4a7c15)))
}

// mix is SplitMix64's finalizer.
func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// logNormal draws a positive value with the given median; sigma is the spread of its log.
func logNormal(r *rand.Rand, median, sigma float64) float64 {
	return median * math.Exp(sigma*r.NormFloat64())
}

// pick returns an index drawn by weight.
func pick(r *rand.Rand, cum []float64) int {
	x := r.Float64() * cum[len(cum)-1]
	for i, c := range cum {
		if x < c {
			return i
		}
	}
	return len(cum) - 1
}

// cumulative turns weights into running sums.
func cumulative(ws []float64) []float64 {
	out := make([]float64, len(ws))
	var s float64
	for i, w := range ws {
		s += w
		out[i] = s
	}
	return out
}
