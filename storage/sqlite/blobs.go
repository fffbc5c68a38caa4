package sqlite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"redline"
)

// emptySHA256 is the sha256 of zero bytes.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// Blob encodings, as stored in blobs.encoding.
const (
	encodingZstd     = "zstd"     // zstd frame(s) made by EncodeAll
	encodingIdentity = "identity" // stored as is: empty, or incompressible
)

// normSHA256 returns sum as 64 lowercase hex digits, or an error.
func normSHA256(sum string) (string, error) {
	if len(sum) != 2*sha256.Size {
		return "", fmt.Errorf("sha256 %q: want %d hex digits", sum, 2*sha256.Size)
	}
	sum = strings.ToLower(sum)
	if _, err := hex.DecodeString(sum); err != nil {
		return "", fmt.Errorf("sha256 %q: not hex", sum)
	}
	return sum, nil
}

// blobRow is a blob ready to insert. When data is nil the blob is believed
// stored already: insertBlobs makes sure, and encodes raw if it is not.
type blobRow struct {
	part     string // what the blob is to its check, for errors
	sum      string
	size     int64
	encoding string
	data     []byte // encoded bytes; nil when believed present
	raw      []byte
}

// blobIn is a blob a check stores: the part of the check it is (for
// errors), its sha256 in hex and its bytes. Empty bytes with a sum other
// than that of zero bytes refer to a blob that must already be stored (e.g.
// a capture reusing a known body). With no sum, bytes (even zero bytes) are
// hashed here, and nil bytes mean no blob.
type blobIn struct {
	part string
	sum  string
	raw  []byte
}

// prepareBlobs compresses the blobs to store, outside of any transaction
// so that the write transaction stays short. It asks the database nothing:
// a blob whose sum is in known (the caller saw it stored, in any case) or
// that comes without bytes is believed stored, and insertBlobs checks it
// in the transaction. Bytes given with a sum are checked against it before
// they are stored, here or there; bytes given without one are hashed here
// (and checked again there if, believed stored, they must be stored after
// all). The rows come in the order of ins, nil where there is no blob;
// their sums are normalised to lowercase.
func (s *Store) prepareBlobs(known []string, ins ...blobIn) ([]*blobRow, error) {
	out := make([]*blobRow, len(ins))
	for i, in := range ins {
		var sum string
		switch {
		case in.sum != "":
			var err error
			if sum, err = normSHA256(in.sum); err != nil {
				return nil, fmt.Errorf("%s: %w", in.part, err)
			}
		case in.raw != nil:
			got := sha256.Sum256(in.raw)
			sum = hex.EncodeToString(got[:])
		default:
			continue
		}
		b := &blobRow{part: in.part, sum: sum, raw: in.raw}
		if len(in.raw) == 0 && sum != emptySHA256 || slices.ContainsFunc(known, func(k string) bool { return strings.EqualFold(k, sum) }) {
			// Believed present; insertBlobs makes sure. Bytes given are
			// kept in case it is not, or retention empties it meanwhile.
			out[i] = b
			continue
		}
		if in.sum == "" {
			*b = s.compressBlob(in.part, sum, in.raw) // hashed just now
		} else {
			var err error
			if *b, err = s.encodeBlob(in.part, sum, in.raw); err != nil {
				return nil, err
			}
		}
		out[i] = b
	}
	return out, nil
}

// encodeBlob checks raw against sum and compresses it (see compressBlob).
func (s *Store) encodeBlob(part, sum string, raw []byte) (blobRow, error) {
	if got := sha256.Sum256(raw); hex.EncodeToString(got[:]) != sum {
		return blobRow{}, fmt.Errorf("%s: blob %s: sha256 mismatch: the %d bytes given hash to %x", part, sum, len(raw), got)
	}
	return s.compressBlob(part, sum, raw), nil
}

// compressBlob compresses raw, whose sum is sum, keeping it as is when that
// does not pay. The compressed bytes are built in a pooled buffer and
// copied out at their size: a page compresses to a fraction of the room
// zstd asks for.
func (s *Store) compressBlob(part, sum string, raw []byte) blobRow {
	b := blobRow{part: part, sum: sum, size: int64(len(raw)), encoding: encodingIdentity, data: raw, raw: raw}
	if len(raw) == 0 {
		b.data = []byte{}
		return b
	}
	buf, _ := s.zbufs.Get().(*[]byte)
	if buf == nil {
		buf = new([]byte)
	}
	z := s.enc.EncodeAll(raw, (*buf)[:0])
	if len(z) < len(raw) {
		b.encoding, b.data = encodingZstd, bytes.Clone(z)
	}
	if cap(z) <= maxPooledZbuf {
		*buf = z[:0]
		s.zbufs.Put(buf)
	}
	return b
}

// maxPooledZbuf bounds the compression buffers kept for reuse: one for a
// rare large body is left to the collector.
const maxPooledZbuf = 1 << 20

// insertBlobs stores the prepared blobs in tx, those not there already.
// A blob believed present is asked for again in tx (one query for all):
// retention may have emptied it since it was prepared.
func (s *Store) insertBlobs(ctx context.Context, tx *sql.Tx, bs []*blobRow, now time.Time) error {
	var sums []string
	for _, b := range bs {
		if b != nil && b.data == nil {
			sums = append(sums, b.sum)
		}
	}
	stored, err := s.storedBlobs(ctx, tx, sums)
	if err != nil {
		return err
	}
	for _, b := range bs {
		if b == nil {
			continue
		}
		if b.data == nil {
			if stored[b.sum] {
				continue
			}
			if len(b.raw) == 0 && b.sum != emptySHA256 {
				return fmt.Errorf("%s: blob %s: no bytes given and none stored: %w", b.part, b.sum, redline.ErrNotFound)
			}
			var err error
			if *b, err = s.encodeBlob(b.part, b.sum, b.raw); err != nil {
				return err
			}
		}
		_, err := tx.StmtContext(ctx, s.stmts.insertBlob).ExecContext(ctx, b.sum, b.size, b.encoding, b.data, unixNano(now))
		if err != nil {
			return fmt.Errorf("blob %s: %w", b.sum, err)
		}
	}
	return nil
}

// blobsPerQuery is how many sums storedBlobs asks for in one query: the
// blobs of one check (body, text, request headers).
const blobsPerQuery = 3

// storedBlobs reports which of sums are stored with their bytes, in tx.
func (s *Store) storedBlobs(ctx context.Context, tx *sql.Tx, sums []string) (map[string]bool, error) {
	stored := make(map[string]bool, len(sums))
	for len(sums) > 0 {
		n := min(len(sums), blobsPerQuery)
		args := make([]any, blobsPerQuery)
		for i := range args {
			args[i] = sums[min(i, n-1)] // repeated to fill the query
		}
		sums = sums[n:]
		rows, err := tx.StmtContext(ctx, s.stmts.storedBlobs).QueryContext(ctx, args...)
		if err != nil {
			return nil, fmt.Errorf("stored blobs: %w", err)
		}
		for rows.Next() {
			var sum string
			if err := rows.Scan(&sum); err != nil {
				rows.Close()
				return nil, fmt.Errorf("stored blobs: %w", err)
			}
			stored[sum] = true
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("stored blobs: %w", err)
		}
		rows.Close()
	}
	return stored, nil
}

// Blob returns the uncompressed bytes stored under a hex sha256, or
// ErrNotFound, or ErrPruned when retention dropped them. The bytes are
// checked against the sha256 (fixity) before they are returned.
func (s *Store) Blob(ctx context.Context, sum string) ([]byte, error) {
	norm, err := normSHA256(sum)
	if err != nil {
		return nil, fmt.Errorf("blob: %v: %w", err, redline.ErrNotFound)
	}
	var (
		size     int64
		encoding string
		data     []byte
		pruned   sql.NullInt64
	)
	err = s.db.QueryRowContext(ctx, `SELECT size, encoding, data, pruned_at FROM blobs WHERE sha256 = ?`, norm).
		Scan(&size, &encoding, &data, &pruned)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("blob %s: %w", norm, redline.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", norm, err)
	}
	if pruned.Valid {
		return nil, fmt.Errorf("blob %s: %w at %s", norm, redline.ErrPruned, timeOf(pruned).Format(time.RFC3339))
	}
	raw, err := s.decodeBlob(encoding, data, size)
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", norm, err)
	}
	if got := sha256.Sum256(raw); hex.EncodeToString(got[:]) != norm {
		return nil, fmt.Errorf("blob %s: corrupt: stored bytes hash to %x", norm, got)
	}
	return raw, nil
}

func (s *Store) decodeBlob(encoding string, data []byte, size int64) ([]byte, error) {
	switch encoding {
	case encodingIdentity:
		if data == nil {
			data = []byte{}
		}
		return data, nil
	case encodingZstd:
		raw, err := s.dec.DecodeAll(data, make([]byte, 0, size))
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		if int64(len(raw)) != size {
			return nil, fmt.Errorf("corrupt: %d bytes decoded, %d stored", len(raw), size)
		}
		return raw, nil
	}
	return nil, fmt.Errorf("unknown encoding %q", encoding)
}
