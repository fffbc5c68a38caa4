package diff

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestAnchoredDiffs checks diffs of long texts, which are split at anchor
// lines: the spans rebuild both texts, hunks add up, and a one-word edit
// stays a one-word hunk, with repeated lines, moved lines, inserted and
// deleted lines around.
func TestAnchoredDiffs(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	vocab := []string{"the", "county", "shall", "may", "not", "detain", "officers", "notice", "federal", "warrant"}
	line := func() string {
		n := 3 + rng.IntN(12)
		ws := make([]string, n)
		for i := range ws {
			ws[i] = vocab[rng.IntN(len(vocab))]
		}
		return strings.Join(ws, " ") + "."
	}
	for c := range 40 {
		var old []string
		for range 70 + rng.IntN(400) {
			if rng.IntN(5) == 0 && len(old) > 0 {
				old = append(old, old[rng.IntN(len(old))]) // repeated lines are not anchors
			} else {
				old = append(old, line())
			}
		}
		nw := append([]string(nil), old...)
		for range 1 + rng.IntN(12) {
			i := rng.IntN(len(nw))
			switch rng.IntN(5) {
			case 0:
				nw = append(nw[:i], nw[i+1:]...)
			case 1:
				nw = append(nw[:i], append([]string{line()}, nw[i:]...)...)
			case 2:
				j := rng.IntN(len(nw))
				nw[i], nw[j] = nw[j], nw[i]
			default:
				ws := strings.Fields(nw[i])
				ws[rng.IntN(len(ws))] = "amended"
				nw[i] = strings.Join(ws, " ")
			}
		}
		o, n := strings.Join(old, "\n")+"\n", strings.Join(nw, "\n")+"\n"
		t.Run(fmt.Sprint(c), func(t *testing.T) {
			r := Words(o, n, Options{})
			checkResult(t, o, n, r, DefaultTimeout)
		})
	}

	// One word changed in a long text: exactly that word.
	ws := corpusWords(1<<17, 9)
	old := joinLines(ws)
	ws[len(ws)/2] = "amended"
	r := Words(old, joinLines(ws), Options{})
	if len(r.Hunks) != 1 || r.WordsAdded != 1 || r.WordsRemoved != 1 || r.TimedOut {
		t.Fatalf("one-word edit in %d bytes: %d hunks, +%d -%d, timed out %v", len(old), len(r.Hunks), r.WordsAdded, r.WordsRemoved, r.TimedOut)
	}
}

func TestLIS(t *testing.T) {
	pairs := [][2]int{{0, 5}, {1, 1}, {2, 2}, {3, 9}, {4, 3}, {5, 4}, {6, 0}}
	got := lis(pairs)
	want := [][2]int{{1, 1}, {2, 2}, {4, 3}, {5, 4}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("lis = %v, want %v", got, want)
	}
	if lis(nil) != nil {
		t.Fatal("lis(nil) not nil")
	}
}
