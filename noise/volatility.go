package noise

import (
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"redline/diff"
)

// Learning thresholds of Volatility.
const (
	// MaxVolatilityKeys bounds the blocks a Volatility tracks.
	MaxVolatilityKeys = 256
	// maxKeyHeading bounds, in runes, each heading written in a block key.
	maxKeyHeading = 48
	// Observe learns only from checks where at most learnMaxKeys blocks,
	// and at most one line in learnLinesPerKey, changed.
	learnMaxKeys     = 2
	learnLinesPerKey = 10
	// A block becomes volatile when it changed in volatileOn of the last
	// window checks, and stops being volatile at volatileOff or fewer.
	volatileWindow = 5
	volatileOn     = 4
	volatileOff    = 1
)

// BlockKeys returns one key per hunk, naming the block of old (a canonical
// text, one block per line) where the hunk's first edit is made: the path of
// headings above that line, outermost first, and the line's index within
// its section, joined by "/". The heading line itself has index 0 and the
// lines after it 1, 2...; lines before the first heading have an empty path
// ("/3"). Example: "# Policies/## Quote of the day/1". Headings longer than
// 48 characters are cut with "…".
//
// Keys are stable while the page's structure above the block is: a block
// inserted earlier in the same section shifts the indexes after it.
// hunk.OldLine must be a line of old, as diff.Words computes it from old;
// a line past the end is keyed as the line after the last one.
func BlockKeys(old string, hunks []diff.Hunk) []string {
	if len(hunks) == 0 {
		return nil
	}
	want := make([]int, 0, len(hunks))
	for _, h := range hunks {
		want = append(want, max(h.OldLine, 1))
	}
	slices.Sort(want)
	want = slices.Compact(want)

	keyOf := make(map[int]string, len(want))
	var path []string // heading of each level in force, "" when none
	var levels []int
	idx := 0
	key := func() string {
		return strings.Join(path, "/") + "/" + strconv.Itoa(idx)
	}
	n, w := 0, 0 // lines read, wanted lines keyed
	for line := range strings.SplitSeq(old, "\n") {
		n++
		if lvl := headingLevel(line); lvl > 0 {
			for len(levels) > 0 && levels[len(levels)-1] >= lvl {
				levels, path = levels[:len(levels)-1], path[:len(path)-1]
			}
			levels, path = append(levels, lvl), append(path, shorten(line))
			idx = 0
		} else {
			idx++
		}
		for w < len(want) && want[w] == n {
			keyOf[n] = key()
			w++
		}
		if w == len(want) {
			break
		}
	}
	idx++
	for ; w < len(want); w++ { // past the end
		keyOf[want[w]] = key()
	}
	out := make([]string, len(hunks))
	for i, h := range hunks {
		out[i] = keyOf[max(h.OldLine, 1)]
	}
	return out
}

// headingLevel returns the level of a "## heading" line, 0 for other lines.
func headingLevel(line string) int {
	l := 0
	for l < len(line) && l < 7 && line[l] == '#' {
		l++
	}
	if l == 0 || l > 6 || l >= len(line) || line[l] != ' ' {
		return 0
	}
	return l
}

func shorten(s string) string {
	if utf8.RuneCountInString(s) <= maxKeyHeading {
		return s
	}
	r := []rune(s)
	return string(r[:maxKeyHeading-1]) + "…"
}

// Volatility is what one target learned about its volatile blocks: blocks
// that change at (almost) every check while the rest of the page does not,
// such as a quote of the day or a rotating headline. It is serialised as
// JSON in the store; the zero value has learned nothing. It is not safe for
// concurrent use.
//
// For each block key (see BlockKeys), Blocks keeps a bit mask of the last 8
// checks Observe learned from, bit 0 the latest, 1 when the block changed.
// A block becomes volatile once it changed in 4 of the last 5 of those
// checks, and stops being volatile when it changed in at most 1 of them.
// Blocks whose mask is all zero are dropped.
type Volatility struct {
	Blocks   map[string]uint8 `json:"blocks,omitempty"`   // block key → changes in the last 8 learning checks
	Volatile []string         `json:"volatile,omitempty"` // keys learned as volatile, sorted
}

// Observe records one good check (a check whose page was fetched and
// extracted): changed holds the block keys that changed in it (empty for an
// unchanged check; duplicates are ignored), lines the number of lines of
// the new text.
//
// Only checks where few blocks changed teach anything: at most 2 keys and at
// most 10% of the lines (so a page of fewer than 10 lines never learns). A
// check with more changes, like a page rewritten at every check, leaves the
// state as it was.
func (v *Volatility) Observe(changed []string, lines int) {
	keys := slices.Clone(changed)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	if len(keys) > learnMaxKeys || len(keys)*learnLinesPerKey > lines {
		return
	}
	if v.Blocks == nil && len(keys) > 0 {
		v.Blocks = make(map[string]uint8, len(keys))
	}
	for k, m := range v.Blocks {
		v.Blocks[k] = m << 1
	}
	for _, k := range keys {
		v.Blocks[k] |= 1
	}
	was := make(map[string]bool, len(v.Volatile))
	for _, k := range v.Volatile {
		was[k] = true
	}
	v.Volatile = v.Volatile[:0]
	for k, m := range v.Blocks {
		if m == 0 {
			delete(v.Blocks, k)
			continue
		}
		switch c := bits.OnesCount8(m & (1<<volatileWindow - 1)); {
		case c >= volatileOn, c > volatileOff && was[k]:
			v.Volatile = append(v.Volatile, k)
		}
	}
	v.evict()
	slices.Sort(v.Volatile)
	if len(v.Volatile) == 0 {
		v.Volatile = nil
	}
	if len(v.Blocks) == 0 {
		v.Blocks = nil
	}
}

// evict keeps the MaxVolatilityKeys most useful blocks: volatile ones
// first, then those that changed most often, then most recently, then by
// key. Observe alone never tracks more than 16 blocks (2 per check, 8
// checks); the bound protects against state read from elsewhere.
func (v *Volatility) evict() {
	if len(v.Blocks) <= MaxVolatilityKeys {
		return
	}
	vol := make(map[string]bool, len(v.Volatile))
	for _, k := range v.Volatile {
		vol[k] = true
	}
	keys := make([]string, 0, len(v.Blocks))
	for k := range v.Blocks {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		ma, mb := v.Blocks[a], v.Blocks[b]
		switch {
		case vol[a] != vol[b]:
			if vol[a] {
				return -1
			}
			return 1
		case bits.OnesCount8(ma) != bits.OnesCount8(mb):
			return bits.OnesCount8(mb) - bits.OnesCount8(ma)
		case ma != mb:
			return int(mb) - int(ma)
		}
		return strings.Compare(a, b)
	})
	for _, k := range keys[MaxVolatilityKeys:] {
		delete(v.Blocks, k)
	}
	v.Volatile = slices.DeleteFunc(v.Volatile, func(k string) bool {
		_, ok := v.Blocks[k]
		return !ok
	})
}

// IsVolatile reports whether the block key was learned as volatile.
func (v *Volatility) IsVolatile(key string) bool {
	return v != nil && slices.Contains(v.Volatile, key)
}

// Keys returns the keys learned as volatile, sorted; the slice is a copy.
func (v *Volatility) Keys() []string {
	if v == nil {
		return nil
	}
	out := slices.Clone(v.Volatile)
	slices.Sort(out)
	return out
}

// Reset forgets everything learned.
func (v *Volatility) Reset() {
	v.Blocks, v.Volatile = nil, nil
}
