package diff

import (
	"slices"
	"sort"
	"time"
)

// minAnchorLines is the size, in lines of the old text, from which long
// texts are split at anchor lines before the token diff. Below it the diff
// is one Myers search, as before.
const minAnchorLines = 64

// anchoredRunes diffs token strings a and b like diffRunes, but first
// splits them at anchors: lines that occur exactly once in each text, with
// the same tokens, kept in an order both texts agree on (the longest such
// sequence, as patience diff does). Each stretch between two anchors is
// then diffed alone. Myers' cost grows with the product of a stretch's
// length and its edit distance, so many small stretches cost far less than
// one megabyte-long search, while edits inside lines are still found word
// by word. ka and kb mark the newline tokens.
func anchoredRunes(a, b []rune, ka, kb []kind, deadline time.Time) ([]span, bool) {
	la, lb := lineRanges(ka), lineRanges(kb)
	if len(la) < minAnchorLines {
		return diffRunes(a, b, deadline)
	}
	anchors := uniqueCommon(a, b, la, lb)
	if len(anchors) == 0 {
		return diffRunes(a, b, deadline)
	}
	var out []span
	timedOut := false
	pa, pb := 0, 0 // tokens before these are done
	add := func(a0, a1, b0, b1 int) {
		if a0 == a1 && b0 == b1 {
			return
		}
		spans, to := diffRunes(a[a0:a1], b[b0:b1], deadline)
		timedOut = timedOut || to
		for _, s := range spans {
			s.a0, s.a1, s.b0, s.b1 = s.a0+a0, s.a1+a0, s.b0+b0, s.b1+b0
			out = append(out, s)
		}
	}
	for _, an := range anchors {
		ra, rb := la[an[0]], lb[an[1]]
		add(pa, ra[0], pb, rb[0])
		out = append(out, span{eq: true, a0: ra[0], a1: ra[1], b0: rb[0], b1: rb[1]})
		pa, pb = ra[1], rb[1]
	}
	add(pa, len(a), pb, len(b))
	return normalize(out), timedOut
}

// lineRanges returns the token ranges [start, end) of each line, its newline
// included.
func lineRanges(k []kind) [][2]int {
	var out [][2]int
	start := 0
	for i, kd := range k {
		if kd == kindNewline {
			out = append(out, [2]int{start, i + 1})
			start = i + 1
		}
	}
	if start < len(k) {
		out = append(out, [2]int{start, len(k)})
	}
	return out
}

// uniqueCommon returns pairs (line of a, line of b) of lines unique in both
// texts and equal, longest increasing in both, in order.
func uniqueCommon(a, b []rune, la, lb [][2]int) [][2]int {
	type seen struct {
		na, nb int
		ia, ib int
	}
	m := make(map[string]*seen, len(la))
	for i, r := range la {
		if r[1]-r[0] < 2 { // a bare newline anchors nothing
			continue
		}
		k := string(a[r[0]:r[1]])
		s := m[k]
		if s == nil {
			s = &seen{}
			m[k] = s
		}
		s.na++
		s.ia = i
	}
	for j, r := range lb {
		if s := m[string(b[r[0]:r[1]])]; s != nil {
			s.nb++
			s.ib = j
		}
	}
	var pairs [][2]int
	for _, s := range m {
		if s.na == 1 && s.nb == 1 {
			pairs = append(pairs, [2]int{s.ia, s.ib})
		}
	}
	slices.SortFunc(pairs, func(x, y [2]int) int { return x[0] - y[0] })
	return lis(pairs)
}

// lis returns the longest subsequence of pairs (sorted by their first
// element) whose second elements increase, by patience sorting.
func lis(pairs [][2]int) [][2]int {
	if len(pairs) == 0 {
		return nil
	}
	tails := []int{}                // index into pairs of the smallest tail of each length
	prev := make([]int, len(pairs)) // predecessor in the best sequence ending here
	for i, p := range pairs {
		k := sort.Search(len(tails), func(k int) bool { return pairs[tails[k]][1] >= p[1] })
		if k > 0 {
			prev[i] = tails[k-1]
		} else {
			prev[i] = -1
		}
		if k == len(tails) {
			tails = append(tails, i)
		} else {
			tails[k] = i
		}
	}
	out := make([][2]int, len(tails))
	for i, k := len(tails)-1, tails[len(tails)-1]; i >= 0; i, k = i-1, prev[k] {
		out[i] = pairs[k]
	}
	return out
}
