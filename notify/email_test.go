package notify

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"redline"
	"redline/diff"
)

// emailTestPython finds a python3 that can import aiosmtpd: the one on
// PATH, else Debian's /usr/bin/python3 (where python3-aiosmtpd installs
// when PATH leads to a pyenv or venv interpreter).
func emailTestPython(t *testing.T) string {
	t.Helper()
	var tried []string
	cands := []string{"/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil {
		cands = append([]string{p}, cands...)
	}
	for _, p := range cands {
		if err := exec.Command(p, "-c", "import aiosmtpd").Run(); err == nil {
			return p
		}
		tried = append(tried, p)
	}
	t.Fatalf("the email tests need a real SMTP server: no python3 with aiosmtpd (tried %s); install it with\n\tapt-get update && apt-get install -y python3-aiosmtpd", strings.Join(tried, ", "))
	return ""
}

// emailTestServer is a running aiosmtpd.
type emailTestServer struct {
	Addr string // 127.0.0.1:port
	Dir  string // where the Store handler writes messages
}

// startEmailServer runs aiosmtpd on a free loopback port with a handler
// class of testdata/email-handlers.py and extra options, until the test
// ends.
func startEmailServer(t *testing.T, class string, extra ...string) emailTestServer {
	t.Helper()
	py := emailTestPython(t)
	// testdata/email-handlers.py, under a name Python can import.
	handlers, err := os.ReadFile(filepath.Join("testdata", "email-handlers.py"))
	if err != nil {
		t.Fatal(err)
	}
	mod := t.TempDir()
	if err := os.WriteFile(filepath.Join(mod, "redline_email_handlers.py"), handlers, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// The free port may be taken before aiosmtpd binds it: try again then.
	for attempt := 0; ; attempt++ {
		addr := emailFreeAddr(t)
		args := append([]string{"-m", "aiosmtpd", "-n", "-l", addr, "-c", "redline_email_handlers." + class}, extra...)
		cmd := exec.Command(py, append(args, dir)...)
		cmd.Env = append(os.Environ(), "PYTHONPATH="+mod, "PYTHONDONTWRITEBYTECODE=1")
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = io.Discard, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatalf("start aiosmtpd: %v", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		err := emailWaitListening(addr, exited, 10*time.Second)
		if err == nil {
			t.Cleanup(func() {
				_ = cmd.Process.Kill()
				<-exited
			})
			return emailTestServer{Addr: addr, Dir: dir}
		}
		_ = cmd.Process.Kill()
		<-exited
		if attempt == 2 {
			t.Fatalf("aiosmtpd did not start on %s: %v\n%s", addr, err, stderr.String())
		}
	}
}

// emailFreeAddr returns a loopback address no one listens on just now.
func emailFreeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// emailWaitListening waits until addr accepts connections, the process
// exits or the time is up.
func emailWaitListening(addr string, exited <-chan error, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("exited: %v", err)
		default:
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not listening after %s: %v", limit, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// emailStored is one message as the server stored it.
type emailStored struct {
	Raw      []byte
	MailFrom string   `json:"mail_from"`
	RcptTos  []string `json:"rcpt_tos"`
	Login    *string  `json:"login"`
	TLS      bool     `json:"tls"`
}

// messages returns what the server stored, in order of arrival.
func (s emailTestServer) messages(t *testing.T) []emailStored {
	t.Helper()
	var out []emailStored
	for n := 1; ; n++ {
		raw, err := os.ReadFile(filepath.Join(s.Dir, fmt.Sprintf("%d.eml", n)))
		if errors.Is(err, os.ErrNotExist) {
			return out
		} else if err != nil {
			t.Fatal(err)
		}
		env, err := os.ReadFile(filepath.Join(s.Dir, fmt.Sprintf("%d.json", n)))
		if err != nil {
			t.Fatal(err)
		}
		m := emailStored{Raw: raw}
		if err := json.Unmarshal(env, &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
}

// emailTestChanged is a page.changed body: "shall" became "may" under
// "Policy › Section 2", with page text that looks like markup.
func emailTestChanged(t *testing.T, name string) []byte {
	t.Helper()
	at := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	hunks := []diff.Hunk{{
		OldLine: 12, NewLine: 12, Heading: []string{"Policy", "Section 2"}, Added: 1, Removed: 1,
		Segments: []diff.Segment{
			{Op: diff.Equal, Text: "The agency "},
			{Op: diff.Delete, Text: "shall"},
			{Op: diff.Insert, Text: "may"},
			{Op: diff.Equal, Text: " withhold <script>alert(1)</script> funds & grants"},
		},
		ElidedAfter: true,
	}, {
		OldLine: 40, NewLine: 40, Added: 1,
		Segments: []diff.Segment{
			{Op: diff.Equal, Text: strings.Repeat("long-line ", 500)},
			{Op: diff.Insert, Text: "appended"},
		},
	}}
	c := Changed{
		Type: redline.EventPageChanged, ID: "msg_abc123", Timestamp: at,
		Target:       TargetRef{Name: name, URL: "https://www.justice.gov/sanctuary", Tags: []string{"doj"}},
		Previous:     CaptureRef{CaptureID: 41, FetchedAt: at.Add(-time.Hour)},
		Current:      CaptureRef{CaptureID: 42, FetchedAt: at},
		Stats:        Stats{WordsAdded: 2, WordsRemoved: 1, Hunks: len(hunks)},
		Significance: "high", Signals: []string{"modal"},
		Reasons:  []string{`modal verb changed: "shall" → "may"`},
		Keywords: Keywords{Added: []string{}, Removed: []string{}, Near: []string{"funds"}},
		Diff:     DiffBody{Word: diff.Result{Hunks: hunks}.WordDiff(), Hunks: hunks},
	}
	b, err := Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// emailParts parses a message and returns its header and its decoded
// text/plain and text/html parts.
func emailParts(t *testing.T, raw []byte) (mail.Header, string, string) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse message: %v\n%s", err, raw)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q: %v", m.Header.Get("Content-Type"), err)
	}
	parts := map[string]string{}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart() // decodes quoted-printable
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		ct, ps, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if ps["charset"] != "utf-8" {
			t.Errorf("%s part: charset %q", ct, ps["charset"])
		}
		b, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		parts[ct] = strings.ReplaceAll(string(b), "\r\n", "\n")
	}
	if len(parts) != 2 || parts["text/plain"] == "" || parts["text/html"] == "" {
		t.Fatalf("parts: want text/plain and text/html, got %v", parts)
	}
	return m.Header, parts["text/plain"], parts["text/html"]
}

// emailCheckLines checks that the message is 7-bit, every line ends in
// CRLF and fits in 998 octets (78 in the header).
func emailCheckLines(t *testing.T, raw []byte) {
	t.Helper()
	header := true
	for i, line := range bytes.SplitAfter(raw, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		if !bytes.HasSuffix(line, []byte("\r\n")) {
			t.Errorf("line %d does not end in CRLF: %q", i+1, line)
		}
		text := bytes.TrimSuffix(line, []byte("\r\n"))
		if bytes.ContainsAny(text, "\r\n") || bytes.ContainsFunc(text, func(r rune) bool { return r > 127 }) {
			t.Errorf("line %d holds a bare CR or LF or is not 7-bit: %q", i+1, line)
		}
		limit := 998
		if header {
			limit = 78
		}
		if len(text) > limit {
			t.Errorf("line %d is %d octets long: %q", i+1, len(text), text)
		}
		if len(text) == 0 {
			header = false
		}
	}
}

func emailDecode(t *testing.T, s string) string {
	t.Helper()
	d, err := new(mime.WordDecoder).DecodeHeader(s)
	if err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return d
}

func TestEmailDeliveredThroughAiosmtpd(t *testing.T) {
	t.Parallel()
	srv := startEmailServer(t, "Store")
	cfg := SMTPConfig{
		Addr: srv.Addr, From: "redline <alerts@example.org>",
		To:  []string{"Policy Team <team@example.org>", "ops@example.org"},
		TLS: "none", Timeout: 5 * time.Second,
	}
	msg, err := EmailMessage(cfg, "msg_abc123", emailTestChanged(t, "doj-sanctuary-list"), "https://redline.example.org/")
	if err != nil {
		t.Fatal(err)
	}
	if err := SendEmail(context.Background(), cfg, msg); err != nil {
		t.Fatal(err)
	}
	got := srv.messages(t)
	if len(got) != 1 {
		t.Fatalf("server stored %d messages, want 1", len(got))
	}
	m := got[0]
	if m.MailFrom != "alerts@example.org" || strings.Join(m.RcptTos, ",") != "team@example.org,ops@example.org" {
		t.Errorf("envelope: MAIL FROM %q RCPT TO %q", m.MailFrom, m.RcptTos)
	}
	emailCheckLines(t, m.Raw)
	h, plain, html := emailParts(t, m.Raw)

	for k, want := range map[string]string{
		"Subject":            "[redline] high: doj-sanctuary-list changed (+2 -1 words)",
		"Message-Id":         "<msg_abc123@redline>",
		"X-Redline-Event":    "page.changed",
		"X-Redline-Alert-Id": "msg_abc123",
		"Mime-Version":       "1.0",
		"Auto-Submitted":     "auto-generated",
		"Date":               "Tue, 04 Mar 2025 05:06:07 +0000",
	} {
		if got := emailDecode(t, h.Get(k)); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if from, err := h.AddressList("From"); err != nil || len(from) != 1 || from[0].Address != "alerts@example.org" || from[0].Name != "redline" {
		t.Errorf("From %q: %v %v", h.Get("From"), from, err)
	}
	if to, err := h.AddressList("To"); err != nil || len(to) != 2 || to[0].Address != "team@example.org" || to[0].Name != "Policy Team" || to[1].Address != "ops@example.org" {
		t.Errorf("To %q: %v %v", h.Get("To"), to, err)
	}

	for _, want := range []string{
		"The agency [-shall-]{+may+} withhold <script>alert(1)</script> funds & grants…",
		"@@ -12 +12 @@ Policy › Section 2",
		"Significance: high",
		`modal verb changed: "shall" → "may"`,
		"Page: https://www.justice.gov/sanctuary",
		"Full diff: https://redline.example.org/targets/doj-sanctuary-list/changes/42",
		"{+appended+}",
	} {
		if !strings.Contains(plain, want) {
			t.Errorf("text/plain lacks %q:\n%s", want, plain)
		}
	}

	for _, re := range []string{
		`<del[^>]*>shall</del><ins[^>]*>may</ins> withhold &lt;script&gt;alert\(1\)&lt;/script&gt; funds &amp; grants…`,
		`Policy › Section 2 · line 12`,
		`<a href="https://redline.example.org/targets/doj-sanctuary-list/changes/42"[^>]*>Full diff</a>`,
		`<a href="https://www.justice.gov/sanctuary"`,
		`>high</span>`,
	} {
		if !regexp.MustCompile(re).MatchString(html) {
			t.Errorf("text/html does not match %s:\n%s", re, html)
		}
	}
	if strings.Contains(html, "<script") || strings.Contains(strings.ToLower(html), "<img") || strings.Contains(html, "<style") {
		t.Errorf("text/html holds a script, image or style block:\n%s", html)
	}
}

func TestEmailRejectedRecipient(t *testing.T) {
	t.Parallel()
	srv := startEmailServer(t, "RejectRCPT")
	cfg := SMTPConfig{Addr: srv.Addr, From: "alerts@example.org", To: []string{"team@example.org", "Nobody <nobody@example.org>"}, TLS: "none"}
	msg, err := EmailMessage(cfg, "msg_rcpt", emailTestChanged(t, "doj"), "")
	if err != nil {
		t.Fatal(err)
	}
	err = SendEmail(context.Background(), cfg, msg)
	var se *SMTPError
	if !errors.As(err, &se) || se.Stage != "RCPT TO" || se.Recipient != "nobody@example.org" || se.Code != 550 {
		t.Fatalf("err = %#v (%v), want RCPT TO nobody@example.org 550", err, err)
	}
	for _, want := range []string{"RCPT TO", "nobody@example.org", "550", "no such user"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if n := len(srv.messages(t)); n != 0 {
		t.Errorf("server stored %d messages after a refused recipient, want none", n)
	}
}

func TestEmailClosedPort(t *testing.T) {
	t.Parallel()
	cfg := SMTPConfig{Addr: emailFreeAddr(t), From: "alerts@example.org", To: []string{"team@example.org"}, TLS: "none", Timeout: 2 * time.Second}
	err := SendEmail(context.Background(), cfg, []byte("Subject: x\r\n\r\nx\r\n"))
	var se *SMTPError
	if !errors.As(err, &se) || se.Stage != "dial" || !strings.HasPrefix(err.Error(), "smtp dial: ") {
		t.Fatalf("err = %v, want a dial error", err)
	}
}

func TestEmailContextDeadline(t *testing.T) {
	t.Parallel()
	// A server that accepts and never greets.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	cfg := SMTPConfig{Addr: l.Addr().String(), From: "alerts@example.org", To: []string{"team@example.org"}, TLS: "none", Timeout: time.Minute}
	start := time.Now()
	err = SendEmail(ctx, cfg, []byte("Subject: x\r\n\r\nx\r\n"))
	var se *SMTPError
	if !errors.As(err, &se) || se.Stage != "greeting" || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a greeting error from the deadline", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("SendEmail took %s despite a 300ms deadline", d)
	}
}

func TestEmailSTARTTLSAndAuth(t *testing.T) {
	t.Parallel()
	certFile, keyFile, pool := emailTestCert(t)
	srv := startEmailServer(t, "Auth", "--tlscert", certFile, "--tlskey", keyFile)
	cfg := SMTPConfig{
		Addr: srv.Addr, From: "alerts@example.org", To: []string{"team@example.org"},
		Username: "redline", Password: "s3cret", TLS: "starttls",
		TLSConfig: &tls.Config{RootCAs: pool}, Timeout: 5 * time.Second,
	}
	msg, err := EmailMessage(cfg, "msg_tls", emailTestChanged(t, "doj"), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := SendEmail(context.Background(), cfg, msg); err != nil {
		t.Fatal(err)
	}
	got := srv.messages(t)
	if len(got) != 1 || !got[0].TLS || got[0].Login == nil || *got[0].Login != "redline" {
		t.Fatalf("stored %+v, want one message over TLS from login redline", got)
	}

	cfg.Password = "wrong"
	err = SendEmail(context.Background(), cfg, msg)
	var se *SMTPError
	if !errors.As(err, &se) || se.Stage != "AUTH" || se.Code != 535 {
		t.Errorf("wrong password: err = %v, want AUTH 535", err)
	}

	cfg.Password, cfg.TLSConfig = "s3cret", nil // the test CA is not trusted
	err = SendEmail(context.Background(), cfg, msg)
	if !errors.As(err, &se) || se.Stage != "STARTTLS" {
		t.Errorf("untrusted certificate: err = %v, want a STARTTLS error", err)
	}
	if n := len(srv.messages(t)); n != 1 {
		t.Errorf("server stored %d messages, want 1", n)
	}
}

func TestEmailImplicitTLS(t *testing.T) {
	t.Parallel()
	certFile, keyFile, pool := emailTestCert(t)
	srv := startEmailServer(t, "Store", "--smtpscert", certFile, "--smtpskey", keyFile)
	cfg := SMTPConfig{
		Addr: srv.Addr, From: "alerts@example.org", To: []string{"team@example.org"},
		TLS: "tls", TLSConfig: &tls.Config{RootCAs: pool}, Timeout: 5 * time.Second,
	}
	msg, err := EmailMessage(cfg, "msg_smtps", emailTestChanged(t, "doj"), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := SendEmail(context.Background(), cfg, msg); err != nil {
		t.Fatal(err)
	}
	if got := srv.messages(t); len(got) != 1 || !got[0].TLS {
		t.Fatalf("stored %+v, want one message over TLS", got)
	}
	cfg.TLSConfig = nil // the test CA is not trusted
	err = SendEmail(context.Background(), cfg, msg)
	var se *SMTPError
	if !errors.As(err, &se) || se.Stage != "TLS" {
		t.Errorf("untrusted certificate: err = %v, want a TLS error", err)
	}
}

func TestEmailSTARTTLSRequired(t *testing.T) {
	t.Parallel()
	srv := startEmailServer(t, "Store") // offers no STARTTLS
	cfg := SMTPConfig{Addr: srv.Addr, From: "alerts@example.org", To: []string{"team@example.org"}, TLS: "starttls"}
	err := SendEmail(context.Background(), cfg, []byte("Subject: x\r\n\r\nx\r\n"))
	var se *SMTPError
	if !errors.As(err, &se) || se.Stage != "STARTTLS" || !strings.Contains(err.Error(), "does not offer STARTTLS") {
		t.Errorf("err = %v, want STARTTLS refused", err)
	}
	// Credentials need AUTH, which aiosmtpd offers only over TLS.
	cfg.TLS, cfg.Username, cfg.Password = "none", "redline", "s3cret"
	err = SendEmail(context.Background(), cfg, []byte("Subject: x\r\n\r\nx\r\n"))
	if !errors.As(err, &se) || se.Stage != "AUTH" || !strings.Contains(err.Error(), "does not offer AUTH") {
		t.Errorf("err = %v, want AUTH not offered", err)
	}
	if n := len(srv.messages(t)); n != 0 {
		t.Errorf("server stored %d messages, want none", n)
	}
}

func TestEmailTargetNameCannotInjectHeaders(t *testing.T) {
	t.Parallel()
	srv := startEmailServer(t, "Store")
	// TLS left empty: no STARTTLS on a loopback server means clear text.
	cfg := SMTPConfig{Addr: srv.Addr, From: "alerts@example.org", To: []string{"team@example.org"}, SubjectPrefix: "[policy]"}
	name := "doj\r\nBcc: victim@example.com\r\n\r\n<b>x</b>\nX-Evil: 1"
	msg, err := EmailMessage(cfg, "msg_inject\r\nX-Evil: 2", emailTestChanged(t, name), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := SendEmail(context.Background(), cfg, msg); err != nil {
		t.Fatal(err)
	}
	got := srv.messages(t)
	if len(got) != 1 || strings.Join(got[0].RcptTos, ",") != "team@example.org" {
		t.Fatalf("stored %+v, want one message to team@example.org", got)
	}
	emailCheckLines(t, got[0].Raw)
	h, _, _ := emailParts(t, got[0].Raw)
	for _, k := range []string{"Bcc", "X-Evil"} {
		if v, ok := h[k]; ok {
			t.Errorf("injected header %s: %q", k, v)
		}
	}
	want := "[policy] high: doj Bcc: victim@example.com <b>x</b> X-Evil: 1 changed (+2 -1 words)"
	if s := emailDecode(t, h.Get("Subject")); s != want {
		t.Errorf("Subject = %q, want %q", s, want)
	}
	if id := h.Get("Message-Id"); !regexp.MustCompile(`^<h[0-9a-f]{32}@redline>$`).MatchString(id) {
		t.Errorf("Message-ID %q for an id with CR/LF", id)
	}
	if id := emailDecode(t, h.Get("X-Redline-Alert-Id")); id != "msg_inject X-Evil: 2" {
		t.Errorf("X-Redline-Alert-Id = %q", id)
	}
}

func TestEmailNonASCIISubject(t *testing.T) {
	t.Parallel()
	cfg := SMTPConfig{Addr: "localhost:25", From: "Rédline <alerts@example.org>", To: []string{"team@example.org"}}
	name := "Bundesministerium für Arbeit – Bürgergeld " + strings.Repeat("ä", 60)
	msg, err := EmailMessage(cfg, "msg_utf8", emailTestChanged(t, name), "")
	if err != nil {
		t.Fatal(err)
	}
	emailCheckLines(t, msg)
	header, _, _ := bytes.Cut(msg, []byte("\r\n\r\n"))
	if !bytes.Contains(header, []byte("Subject: =?utf-8?q?")) || bytes.ContainsFunc(header, func(r rune) bool { return r > 127 }) {
		t.Errorf("header is not RFC 2047 encoded ASCII:\n%s", header)
	}
	h, plain, _ := emailParts(t, msg)
	if s, want := emailDecode(t, h.Get("Subject")), "[redline] high: "+name+" changed (+2 -1 words)"; s != want {
		t.Errorf("Subject = %q, want %q", s, want)
	}
	if from, err := h.AddressList("From"); err != nil || from[0].Name != "Rédline" {
		t.Errorf("From %q: %v %v", h.Get("From"), from, err)
	}
	if !strings.HasPrefix(plain, name+" changed\n") {
		t.Errorf("text/plain starts %q", plain[:min(len(plain), 300)])
	}

	long := strings.Repeat("ü", 400)
	msg, err = EmailMessage(cfg, "msg_long", emailTestChanged(t, long), "")
	if err != nil {
		t.Fatal(err)
	}
	emailCheckLines(t, msg)
	h, _, _ = emailParts(t, msg)
	if s := emailDecode(t, h.Get("Subject")); !strings.HasSuffix(s, "…") || len([]rune(s)) != emailMaxSubject {
		t.Errorf("long Subject = %q (%d runes), want %d ending in …", s, len([]rune(s)), emailMaxSubject)
	}
}

func TestEmailEventAndDeterminism(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	body, err := Marshal(NewEvent("msg_ev", redline.EventSelectorMissing,
		redline.Target{Name: "doj-sanctuary-list", URL: "javascript:alert(1)"},
		redline.Capture{ID: 7, FetchedAt: at, Status: 200, URL: "https://example.gov"}, "selector #main matched nothing"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := SMTPConfig{Addr: "localhost:25", From: "alerts@example.org", To: []string{"team@example.org"}}
	msg, err := EmailMessage(cfg, "", body, "")
	if err != nil {
		t.Fatal(err)
	}
	again, err := EmailMessage(cfg, "", body, "")
	if err != nil || !bytes.Equal(msg, again) {
		t.Errorf("EmailMessage is not deterministic (%v)", err)
	}
	h, plain, html := emailParts(t, msg)
	if s := h.Get("Subject"); s != "[redline] doj-sanctuary-list: selector.missing" {
		t.Errorf("Subject = %q", s)
	}
	if h.Get("Message-Id") != "<msg_ev@redline>" || h.Get("X-Redline-Event") != "selector.missing" || h.Get("X-Redline-Significance") != "" {
		t.Errorf("header %v", h)
	}
	if !strings.Contains(plain, "selector #main matched nothing") || strings.Contains(plain, "Full diff") {
		t.Errorf("text/plain:\n%s", plain)
	}
	if strings.Contains(html, "javascript:") {
		t.Errorf("text/html links a javascript: URL:\n%s", html)
	}

	// With a base URL, events link to their target on redline's UI.
	body, err = Marshal(NewEvent("msg_ev2", redline.EventSelectorMissing, redline.Target{Name: "doj list/2"}, redline.Capture{ID: 7}, "gone"))
	if err != nil {
		t.Fatal(err)
	}
	msg, err = EmailMessage(cfg, "", body, "https://redline.example.org/")
	if err != nil {
		t.Fatal(err)
	}
	_, plain, html = emailParts(t, msg)
	if want := "Target on redline: https://redline.example.org/targets/doj%20list%2F2\n"; !strings.Contains(plain, want) {
		t.Errorf("text/plain lacks %q:\n%s", want, plain)
	}
	if want := `<a href="https://redline.example.org/targets/doj%20list%2F2"`; !strings.Contains(html, want) {
		t.Errorf("text/html lacks %q:\n%s", want, html)
	}
	if _, err := EmailMessage(cfg, "", body, "ftp://redline.example.org"); err == nil {
		t.Error("a non-http base URL was accepted")
	}

	if _, err := EmailMessage(cfg, "x", []byte(`{"id":"x"}`), ""); err == nil {
		t.Error("a body without type was rendered")
	}
	if _, err := EmailMessage(SMTPConfig{From: "alerts@example.org"}, "x", body, ""); err == nil {
		t.Error("a message without recipients was rendered")
	}
}

func TestEmailConfigValidate(t *testing.T) {
	t.Parallel()
	ok := SMTPConfig{Addr: "mail.example.org:587", From: "alerts@example.org", To: []string{"team@example.org"}}
	if err := ok.Validate(); err != nil {
		t.Errorf("valid config: %v", err)
	}
	for name, c := range map[string]SMTPConfig{
		"no port":              {Addr: "mail.example.org", From: ok.From, To: ok.To},
		"bad from":             {Addr: ok.Addr, From: "alerts", To: ok.To},
		"no recipients":        {Addr: ok.Addr, From: ok.From},
		"bad recipient":        {Addr: ok.Addr, From: ok.From, To: []string{"team@example.org\r\nBcc: x@y"}},
		"clear text to remote": {Addr: ok.Addr, From: ok.From, To: ok.To, TLS: "none"},
		"unknown tls":          {Addr: ok.Addr, From: ok.From, To: ok.To, TLS: "ssl"},
		"password alone":       {Addr: ok.Addr, From: ok.From, To: ok.To, Password: "x"},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
		if err := SendEmail(context.Background(), c, nil); err == nil {
			t.Errorf("%s: SendEmail accepted", name)
		}
	}
	for _, host := range []string{"localhost", "127.0.0.1", "127.1.2.3", "::1"} {
		c := SMTPConfig{Addr: net.JoinHostPort(host, "25"), From: ok.From, To: ok.To, TLS: "none"}
		if err := c.Validate(); err != nil {
			t.Errorf("tls none on %s: %v", host, err)
		}
	}
	// AUTH PLAIN itself refuses a clear-text connection to a remote host.
	if _, _, err := (smtpPlainAuth{user: "u", pass: "p"}).Start(&smtp.ServerInfo{Name: "mail.example.org"}); err == nil {
		t.Error("AUTH PLAIN started over clear text to a remote host")
	}
}

// emailTestCert writes a self-signed certificate for 127.0.0.1 and
// localhost and returns its files and a pool trusting it.
func emailTestCert(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "redline test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}
