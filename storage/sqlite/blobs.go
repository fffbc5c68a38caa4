package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
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

// blobRow is a blob ready to insert. When data is nil the blob was found
// already stored while preparing and raw is kept in case it vanished since.
type blobRow struct {
	sum      string
	size     int64
	encoding string
	data     []byte // encoded bytes; nil when believed present
	raw      []byte
}

// prepareBlob validates raw against sum and compresses it unless a blob of
// that sum is already stored, outside of any transaction so that the write
// transaction stays short. It returns nil when sum is empty (nothing to
// store). The returned sum is normalised to lowercase.
//
// Empty raw with a sum other than that of zero bytes refers to a blob that
// must already be stored (e.g. a capture reusing a known body).
func (s *Store) prepareBlob(ctx context.Context, sum string, raw []byte) (*blobRow, error) {
	if sum == "" {
		return nil, nil
	}
	sum, err := normSHA256(sum)
	if err != nil {
		return nil, err
	}
	if len(raw) == 0 && sum != emptySHA256 {
		ok, err := s.blobExists(ctx, nil, sum)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("blob %s: no bytes given and none stored: %w", sum, redline.ErrNotFound)
		}
		return &blobRow{sum: sum}, nil
	}
	if got := sha256.Sum256(raw); hex.EncodeToString(got[:]) != sum {
		return nil, fmt.Errorf("blob %s: sha256 mismatch: the %d bytes given hash to %x", sum, len(raw), got)
	}
	ok, err := s.blobExists(ctx, nil, sum)
	if err != nil {
		return nil, err
	}
	if ok {
		if raw == nil {
			raw = []byte{}
		}
		return &blobRow{sum: sum, raw: raw}, nil
	}
	b := s.encodeBlob(sum, raw)
	return &b, nil
}

// encodeBlob compresses raw, keeping it as is when that does not pay.
func (s *Store) encodeBlob(sum string, raw []byte) blobRow {
	b := blobRow{sum: sum, size: int64(len(raw)), encoding: encodingIdentity, data: raw, raw: raw}
	if len(raw) == 0 {
		b.data = []byte{}
		return b
	}
	if z := s.enc.EncodeAll(raw, make([]byte, 0, len(raw)/2)); len(z) < len(raw) {
		b.encoding, b.data = encodingZstd, z
	}
	return b
}

// insertBlob stores b in tx unless a blob of the same sum is there.
func (s *Store) insertBlob(ctx context.Context, tx *sql.Tx, b *blobRow, now time.Time) error {
	if b == nil {
		return nil
	}
	if b.data == nil {
		// Found while preparing; make sure it is still there.
		ok, err := s.blobExists(ctx, tx, b.sum)
		if err != nil || ok {
			return err
		}
		if b.raw == nil {
			return fmt.Errorf("blob %s: no bytes given and none stored: %w", b.sum, redline.ErrNotFound)
		}
		*b = s.encodeBlob(b.sum, b.raw)
	}
	_, err := tx.StmtContext(ctx, s.stmts.insertBlob).ExecContext(ctx, b.sum, b.size, b.encoding, b.data, unixNano(now))
	if err != nil {
		return fmt.Errorf("blob %s: %w", b.sum, err)
	}
	return nil
}

// blobExists reports whether a blob of that sum holds its bytes, in tx or,
// when tx is nil, outside of any transaction.
func (s *Store) blobExists(ctx context.Context, tx *sql.Tx, sum string) (bool, error) {
	st := s.stmts.blobExists
	if tx != nil {
		st = tx.StmtContext(ctx, st)
	}
	var one int
	err := st.QueryRowContext(ctx, sum).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("blob %s: %w", sum, err)
	}
	return true, nil
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
