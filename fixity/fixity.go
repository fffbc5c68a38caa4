// Package fixity proves that a store's record was not altered: it re-hashes
// every stored blob and walks each target's capture hash chain (see
// redline.CaptureHash).
package fixity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"redline"
)

// Kinds of Problem. A deleted capture shows as KindChain at the capture
// after it, or as KindRecord there when the store derives that capture's
// PrevHash from its predecessor instead of storing it (SQLite repeat rows).
const (
	KindIntegrity   = "integrity"    // the database's own consistency check failed
	KindBlobCorrupt = "blob-corrupt" // stored bytes do not hash to their sha256
	KindBlobMissing = "blob-missing" // a kept capture refers to a blob that is not stored
	KindBlobPruned  = "blob-pruned"  // a kept capture refers to a blob retention emptied
	KindRecord      = "record"       // a capture's fields do not hash to its recorded hash: altered, or the one before it deleted
	KindChain       = "chain"        // a capture does not follow its predecessor: one was deleted or inserted
	KindHead        = "head"         // a target's latest capture is not the one it recorded: the last was deleted
)

// Problem is one fixity failure.
type Problem struct {
	Kind      string
	Target    string // "" for a blob
	CaptureID int64  // 0 when not about one capture
	SHA256    string // the blob, for blob problems
	Detail    string
}

func (p Problem) String() string {
	where := ""
	switch {
	case p.CaptureID != 0:
		where = fmt.Sprintf("%s capture %d: ", p.Target, p.CaptureID)
	case p.Target != "":
		where = p.Target + ": "
	case p.SHA256 != "":
		where = "blob " + p.SHA256 + ": "
	}
	return p.Kind + ": " + where + p.Detail
}

// Summary is what Verify checked.
type Summary struct {
	Targets  int
	Captures int
	Pruned   int   // captures whose bodies retention dropped (record still checked)
	Blobs    int   // blobs re-hashed
	Bytes    int64 // uncompressed bytes re-hashed
	Problems int
	// Root is the sha256 of every target's name and chain head, one
	// "name head\n" line per target in name order: note it down after a
	// clean run, and a later run giving the same Root proves the record
	// was neither cut nor rewritten since.
	Root string
}

// IntegrityChecker is implemented by stores that can check their own
// storage (SQLite's PRAGMA integrity_check).
type IntegrityChecker interface {
	IntegrityCheck(ctx context.Context) error
}

// page is how many rows Verify reads at a time.
const page = 500

// Verify checks st and calls report for each problem found, in order. It
// returns an error only when it could not finish; problems are reported,
// not returned.
func Verify(ctx context.Context, st redline.Store, report func(Problem)) (Summary, error) {
	var sum Summary
	add := func(p Problem) {
		sum.Problems++
		report(p)
	}
	if ic, ok := st.(IntegrityChecker); ok {
		if err := ic.IntegrityCheck(ctx); err != nil {
			add(Problem{Kind: KindIntegrity, Detail: err.Error()})
		}
	}

	// Every blob, once: its state is remembered for the capture walk.
	type state uint8
	const (
		good state = iota + 1
		bad
		pruned
	)
	blobs := map[[32]byte]state{}
	after := ""
	for {
		sums, err := st.BlobSums(ctx, after, page)
		if err != nil {
			return sum, err
		}
		for _, s := range sums {
			key, err := keyOf(s)
			if err != nil {
				add(Problem{Kind: KindBlobCorrupt, SHA256: s, Detail: err.Error()})
				continue
			}
			b, err := st.Blob(ctx, s)
			switch {
			case errors.Is(err, redline.ErrPruned):
				blobs[key] = pruned
			case err != nil:
				if ctx.Err() != nil {
					return sum, ctx.Err()
				}
				blobs[key] = bad
				add(Problem{Kind: KindBlobCorrupt, SHA256: s, Detail: strings.TrimPrefix(err.Error(), "blob "+s+": ")})
			default:
				blobs[key] = good
				sum.Blobs++
				sum.Bytes += int64(len(b))
			}
		}
		if len(sums) < page {
			break
		}
		after = sums[len(sums)-1]
	}

	targets, err := st.Targets(ctx)
	if err != nil {
		return sum, err
	}
	slices.SortFunc(targets, func(a, b redline.Target) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	root := sha256.New()
	for _, t := range targets {
		sum.Targets++
		fmt.Fprintf(root, "%s %s\n", t.Name, t.ChainHead)
		head := ""
		var afterID int64
		for {
			cs, err := st.ListCaptures(ctx, redline.CaptureFilter{TargetIDs: []int64{t.ID}, AfterID: afterID, Oldest: true, Limit: page})
			if err != nil {
				return sum, err
			}
			for _, c := range cs {
				sum.Captures++
				if c.PrevHash != head {
					add(Problem{Kind: KindChain, Target: t.Name, CaptureID: c.ID,
						Detail: fmt.Sprintf("follows %s, but the capture before it hashes to %s: a capture was deleted or inserted", orNone(c.PrevHash), orNone(head))})
				}
				if want := redline.CaptureHash(c.PrevHash, c); c.Hash != want {
					add(Problem{Kind: KindRecord, Target: t.Name, CaptureID: c.ID,
						Detail: fmt.Sprintf("recorded hash %s, its fields hash to %s: the record was altered, or the capture before it deleted", orNone(c.Hash), want)})
				}
				head = c.Hash
				if !c.PrunedAt.IsZero() {
					sum.Pruned++
					continue
				}
				for _, ref := range []struct{ what, sum string }{{"body", c.BodySHA256}, {"text", c.TextSHA256}, {"request headers", c.RequestSHA256}} {
					if ref.sum == "" {
						continue
					}
					key, err := keyOf(ref.sum)
					if err != nil {
						add(Problem{Kind: KindRecord, Target: t.Name, CaptureID: c.ID, Detail: ref.what + ": " + err.Error()})
						continue
					}
					switch blobs[key] {
					case 0:
						add(Problem{Kind: KindBlobMissing, Target: t.Name, CaptureID: c.ID, SHA256: ref.sum,
							Detail: fmt.Sprintf("%s %s is not stored", ref.what, ref.sum)})
					case pruned:
						add(Problem{Kind: KindBlobPruned, Target: t.Name, CaptureID: c.ID, SHA256: ref.sum,
							Detail: fmt.Sprintf("%s %s was emptied by retention, but the capture was kept", ref.what, ref.sum)})
					}
					// bad blobs were reported once above.
				}
			}
			if len(cs) < page {
				break
			}
			afterID = cs[len(cs)-1].ID
		}
		if head != t.ChainHead {
			add(Problem{Kind: KindHead, Target: t.Name,
				Detail: fmt.Sprintf("latest capture hashes to %s, but the target recorded %s: its last captures were deleted or replaced", orNone(head), orNone(t.ChainHead))})
		}
	}
	sum.Root = hex.EncodeToString(root.Sum(nil))
	return sum, nil
}

func keyOf(s string) ([32]byte, error) {
	var k [32]byte
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(k) {
		return k, fmt.Errorf("sha256 %q: want 64 hex digits", s)
	}
	copy(k[:], b)
	return k, nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
