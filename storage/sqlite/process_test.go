package sqlite

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"redline"
)

// helperEnv names the database a helper process works on.
const helperEnv = "REDLINE_SQLITE_HELPER_DB"

// TestHelperProcess is not a test: run by TestProcessesClaimDisjointTargets
// in child processes, it drains the due queue of the database named by
// helperEnv and prints the ID of every target it checked.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("helper process only")
	}
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	owner := fmt.Sprintf("pid-%d", os.Getpid())
	now := t0.Add(time.Minute)
	for {
		ts, err := s.ClaimDue(t.Context(), owner, now, time.Hour, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) == 0 {
			return
		}
		for _, tg := range ts {
			body := []byte("body of " + tg.Name)
			rec := &redline.CheckRecord{
				LeaseOwner: owner,
				Capture: redline.Capture{TargetID: tg.ID, FetchedAt: now, URL: tg.URL, Status: 200,
					Outcome: redline.OutcomeBaseline, BodySHA256: shaHex(body), BodySize: int64(len(body))},
				Body:    body,
				NextDue: now.Add(time.Hour),
			}
			if err := s.RecordCheck(t.Context(), rec); err != nil {
				t.Fatal(err)
			}
			fmt.Printf("checked %d\n", tg.ID)
		}
	}
}

// TestProcessesClaimDisjointTargets has several real processes, each opening
// the same new file (racing to migrate it), drain one due queue.
func TestProcessesClaimDisjointTargets(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	path := filepath.Join(t.TempDir(), "redline.db")
	s := openAt(t, path)
	var names []string
	for i := range 40 {
		names = append(names, fmt.Sprintf("t%02d", i))
	}
	all := syncTargets(t, s, t0, names...)

	const procs = 3
	var (
		wg   sync.WaitGroup
		outs [procs]bytes.Buffer
	)
	for p := range procs {
		wg.Go(func() {
			cmd := exec.CommandContext(t.Context(), exe, "-test.run=^TestHelperProcess$", "-test.count=1")
			cmd.Env = append(os.Environ(), helperEnv+"="+path)
			cmd.Stdout = &outs[p]
			cmd.Stderr = &outs[p]
			if err := cmd.Run(); err != nil {
				t.Errorf("helper %d: %v\n%s", p, err, outs[p].String())
			}
		})
	}
	wg.Wait()

	seen := map[int64]int{}
	for p := range procs {
		sc := bufio.NewScanner(&outs[p])
		n := 0
		for sc.Scan() {
			id, ok := strings.CutPrefix(sc.Text(), "checked ")
			if !ok {
				continue
			}
			v, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			seen[v]++
			n++
		}
		t.Logf("process %d checked %d targets", p, n)
	}
	for _, tg := range all {
		if seen[tg.ID] != 1 {
			t.Errorf("%s checked %d times, want once", tg.Name, seen[tg.ID])
		}
	}
	if n := count(t, s, `SELECT COUNT(*) FROM captures`); n != int64(len(all)) {
		t.Errorf("%d captures, want %d", n, len(all))
	}
}
