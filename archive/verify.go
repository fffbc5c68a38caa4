package archive

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/nlnwa/gowarc/v3"
)

// VerifyWARC reads every record of a WARC file with gowarc's strict
// validation and checks each record's block and payload digests. It calls
// report for each problem, with the record's byte offset, and returns the
// number of records read. A file that cannot be read to its end (truncated,
// not gzip, not WARC) is a problem too; err is only for a file that cannot
// be opened.
func VerifyWARC(ctx context.Context, path string, report func(offset int64, problem string)) (records int, err error) {
	rd, err := gowarc.NewWarcFileReader(path, 0, gowarc.WithStrictValidation())
	if err != nil {
		return 0, fmt.Errorf("warc %s: %w", path, err)
	}
	defer rd.Close()
	var offset int64
	for {
		if err := ctx.Err(); err != nil {
			return records, err
		}
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return records, nil
		}
		if err != nil {
			report(offset, fmt.Sprintf("unreadable after %d records: %v", records, err))
			return records, nil
		}
		records++
		for _, v := range rec.Validation {
			report(rec.Offset, v.Error())
		}
		wr := rec.WarcRecord
		v, err := wr.ValidateDigest()
		if err != nil {
			report(rec.Offset, fmt.Sprintf("%s record %s: %v", wr.Type(), wr.RecordId(), err))
		}
		for _, e := range v {
			report(rec.Offset, fmt.Sprintf("%s record %s: %v", wr.Type(), wr.RecordId(), e))
		}
		offset = rec.Offset + rec.Size
		_ = rec.Close()
	}
}
