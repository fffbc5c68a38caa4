package archive

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func verifyFile(t *testing.T, path string) (int, []string) {
	t.Helper()
	var problems []string
	n, err := VerifyWARC(t.Context(), path, func(off int64, p string) { problems = append(problems, p) })
	if err != nil {
		t.Fatal(err)
	}
	return n, problems
}

func TestVerifyWARC(t *testing.T) {
	dir := t.TempDir()
	w := export(t, dir, sampleRecords(), Options{Software: "redline/test"})
	path := w.Files()[0]
	n, problems := verifyFile(t, path)
	want := 1 + w.Stats()["request"] + w.Stats()["response"] + w.Stats()["revisit"]
	if len(problems) != 0 || n != want {
		t.Fatalf("clean export: %d records (want %d), problems %v", n, want, problems)
	}

	// A payload altered after export: the digests no longer match.
	zr, err := gzip.NewReader(mustOpen(t, path))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(plain, []byte("All good")) {
		t.Fatal("sample payload not found")
	}
	tampered := filepath.Join(dir, "tampered.warc")
	if err := os.WriteFile(tampered, bytes.Replace(plain, []byte("All good"), []byte("All bad!"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, problems := verifyFile(t, tampered); len(problems) == 0 || !strings.Contains(strings.Join(problems, "\n"), "digest") {
		t.Errorf("tampered payload: problems %v, want a digest mismatch", problems)
	}

	// A truncated file: the records before the cut are read, then the cut
	// is reported.
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.warc.gz")
	if err := os.WriteFile(cut, raw[:len(raw)*2/3], 0o644); err != nil {
		t.Fatal(err)
	}
	n, problems = verifyFile(t, cut)
	if len(problems) == 0 || n >= want {
		t.Errorf("truncated file: %d records, problems %v; want fewer records and a problem", n, problems)
	}
}

func mustOpen(t *testing.T, path string) io.Reader {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b)
}
