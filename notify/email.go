package notify

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"redline"
	"redline/diff"
)

// TLS modes of SMTPConfig.TLS.
const (
	// SMTPStartTLS upgrades a plain connection with STARTTLS and fails when
	// the server does not offer it.
	SMTPStartTLS = "starttls"
	// SMTPImplicitTLS speaks TLS from the first byte (SMTPS, port 465).
	SMTPImplicitTLS = "tls"
	// SMTPNoTLS never encrypts. It is allowed only for loopback hosts
	// ("localhost", 127.0.0.0/8, ::1): a local relay such as a Postfix
	// null client or a test server, never a server across the network.
	SMTPNoTLS = "none"
)

// Defaults for SMTPConfig fields left zero.
const (
	DefaultSMTPTimeout   = 30 * time.Second
	DefaultSubjectPrefix = "[redline]"
)

// Limits on what one email shows; the rest is behind the full diff link.
const (
	emailMaxHunks     = 60
	emailMaxDiffBytes = 256 << 10
	emailMaxSubject   = 200 // runes, prefix included
)

// SMTPConfig says how to deliver alerts by email.
type SMTPConfig struct {
	Addr string   // host:port of the submission server
	From string   // header and envelope sender, e.g. "redline <alerts@example.org>"
	To   []string // recipients; each may carry a display name

	// Username and Password, when set, authenticate with AUTH PLAIN, which
	// is only sent over TLS (implicit or STARTTLS) or to a loopback host.
	Username, Password string

	// TLS is SMTPStartTLS, SMTPImplicitTLS or SMTPNoTLS. Empty means
	// STARTTLS when the server offers it; a server that does not offer it
	// is refused unless its host is loopback, where mail goes in clear.
	TLS string

	// TLSConfig, when set, is used for the TLS handshake (a private CA in
	// RootCAs, client certificates). ServerName defaults to the host of
	// Addr and MinVersion to TLS 1.2.
	TLSConfig *tls.Config

	Timeout       time.Duration // bound on one delivery; DefaultSMTPTimeout when zero
	SubjectPrefix string        // DefaultSubjectPrefix when empty
}

// Validate checks the configuration without connecting.
func (c SMTPConfig) Validate() error {
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil || host == "" || port == "" {
		return fmt.Errorf("smtp: addr %q is not host:port", c.Addr)
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("smtp: from %q: %w", c.From, err)
	}
	if len(c.To) == 0 {
		return errors.New("smtp: no recipients")
	}
	for _, to := range c.To {
		if _, err := mail.ParseAddress(to); err != nil {
			return fmt.Errorf("smtp: recipient %q: %w", to, err)
		}
	}
	switch strings.ToLower(c.TLS) {
	case "", SMTPStartTLS, SMTPImplicitTLS:
	case SMTPNoTLS:
		if !smtpIsLoopback(host) {
			return fmt.Errorf("smtp: tls %q is only allowed for a loopback host, not %q", SMTPNoTLS, host)
		}
	default:
		return fmt.Errorf("smtp: tls %q is not one of %q, %q, %q", c.TLS, SMTPStartTLS, SMTPImplicitTLS, SMTPNoTLS)
	}
	if c.Password != "" && c.Username == "" {
		return errors.New("smtp: password without username")
	}
	return nil
}

// smtpIsLoopback reports whether host names this machine.
func smtpIsLoopback(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// SMTPError is a failed delivery: the stage that failed and, when the
// server answered, its reply code (5xx are permanent, 4xx temporary).
type SMTPError struct {
	Stage     string // "dial", "TLS", "greeting", "EHLO", "STARTTLS", "AUTH", "MAIL FROM", "RCPT TO", "DATA"
	Recipient string // for RCPT TO: the address refused
	Code      int    // the server's reply code; 0 when none arrived
	Err       error
}

func (e *SMTPError) Error() string {
	stage := e.Stage
	if e.Recipient != "" {
		stage += " <" + e.Recipient + ">"
	}
	return "smtp " + stage + ": " + e.Err.Error()
}

func (e *SMTPError) Unwrap() error { return e.Err }

// smtpFail wraps err from stage, noting the reply code and whether ctx
// ended meanwhile (a deadline shows up as an I/O timeout otherwise).
func smtpFail(ctx context.Context, stage, rcpt string, err error) *SMTPError {
	e := &SMTPError{Stage: stage, Recipient: rcpt, Err: err}
	var te *textproto.Error
	var ne net.Error
	dl, hasDL := ctx.Deadline()
	switch {
	case errors.As(err, &te):
		e.Code = te.Code
	case ctx.Err() != nil || errors.As(err, &ne) && ne.Timeout() && hasDL && !time.Now().Before(dl):
		// The connection's deadline is ctx's, which ctx may not report yet.
		e.Err = fmt.Errorf("%w: %w", cmp.Or(context.Cause(ctx), context.DeadlineExceeded), err)
	}
	return e
}

// SendEmail delivers msg (a message from EmailMessage) from cfg.From to
// every address in cfg.To in one SMTP transaction: either every recipient
// is accepted or nothing is sent, so a retry after a refused recipient
// duplicates nothing (the same Message-ID lets clients drop the rare
// duplicate from a reply lost after DATA). The whole
// exchange is bounded by ctx and cfg.Timeout. An invalid cfg fails as
// Validate does; a failed delivery is an *SMTPError.
func SendEmail(ctx context.Context, cfg SMTPConfig, msg []byte) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	host, _, _ := net.SplitHostPort(cfg.Addr)
	from, _ := mail.ParseAddress(cfg.From)
	rcpts := make([]string, len(cfg.To))
	for i, to := range cfg.To {
		a, _ := mail.ParseAddress(to)
		rcpts[i] = a.Address
	}
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(max(cfg.Timeout, 0), DefaultSMTPTimeout))
	defer cancel()
	mode := strings.ToLower(cfg.TLS)
	tlsConf := smtpTLSConfig(cfg.TLSConfig, host)

	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", cfg.Addr)
	if err != nil {
		return smtpFail(ctx, "dial", "", err)
	}
	// The deadline bounds every read and write; cancelling ctx moves it to
	// the past so that a blocked exchange returns at once.
	raw := conn
	if dl, ok := ctx.Deadline(); ok {
		_ = raw.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = raw.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if mode == SMTPImplicitTLS {
		tc := tls.Client(conn, tlsConf)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return smtpFail(ctx, "TLS", "", err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return smtpFail(ctx, "greeting", "", err)
	}
	if err := smtpSend(ctx, c, cfg, mode, host, tlsConf, from.Address, rcpts, msg); err != nil {
		var te *textproto.Error
		if errors.As(err, &te) && ctx.Err() == nil {
			_ = c.Quit() // the session is sound: end it politely
		}
		c.Close()
		return err
	}
	_ = c.Quit() // the message is accepted; a failed QUIT does not undo that
	c.Close()
	return nil
}

// smtpSend runs the SMTP dialogue after the greeting.
func smtpSend(ctx context.Context, c *smtp.Client, cfg SMTPConfig, mode, host string, tlsConf *tls.Config, from string, rcpts []string, msg []byte) error {
	if err := c.Hello(smtpHelloName()); err != nil {
		return smtpFail(ctx, "EHLO", "", err)
	}
	secure := mode == SMTPImplicitTLS
	if mode == "" || mode == SMTPStartTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsConf); err != nil {
				return smtpFail(ctx, "STARTTLS", "", err)
			}
			secure = true
		} else if mode == SMTPStartTLS || !smtpIsLoopback(host) {
			return smtpFail(ctx, "STARTTLS", "", fmt.Errorf("server %s does not offer STARTTLS; refusing to send in clear (use tls %q for implicit TLS)", host, SMTPImplicitTLS))
		}
	}
	if cfg.Username != "" {
		if !secure && !smtpIsLoopback(host) {
			return smtpFail(ctx, "AUTH", "", errors.New("refusing to send credentials over an unencrypted connection"))
		}
		ok, mechs := c.Extension("AUTH")
		if !ok {
			return smtpFail(ctx, "AUTH", "", fmt.Errorf("server %s does not offer AUTH (credentials are configured)", host))
		}
		if !slices.ContainsFunc(strings.Fields(mechs), func(m string) bool { return strings.EqualFold(m, "PLAIN") }) {
			return smtpFail(ctx, "AUTH", "", fmt.Errorf("server %s offers AUTH %s, not PLAIN", host, mechs))
		}
		if err := c.Auth(smtpPlainAuth{user: cfg.Username, pass: cfg.Password, loopback: smtpIsLoopback(host)}); err != nil {
			return smtpFail(ctx, "AUTH", "", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return smtpFail(ctx, "MAIL FROM", "", err)
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r); err != nil {
			return smtpFail(ctx, "RCPT TO", r, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return smtpFail(ctx, "DATA", "", err)
	}
	if _, err := w.Write(msg); err != nil {
		return smtpFail(ctx, "DATA", "", err)
	}
	if err := w.Close(); err != nil { // the server's verdict on the message
		return smtpFail(ctx, "DATA", "", err)
	}
	return nil
}

// smtpTLSConfig returns the TLS settings for host.
func smtpTLSConfig(base *tls.Config, host string) *tls.Config {
	c := &tls.Config{}
	if base != nil {
		c = base.Clone()
	}
	if c.ServerName == "" {
		c.ServerName = host
	}
	if c.MinVersion == 0 {
		c.MinVersion = tls.VersionTLS12
	}
	return c
}

// smtpHelloName is the name given in EHLO: the host name when it is a
// plausible one, else "localhost".
func smtpHelloName() string {
	h, err := os.Hostname()
	bad := func(r rune) bool {
		return !(r == '-' || r == '.' || r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)))
	}
	if err != nil || h == "" || len(h) > 253 || strings.IndexFunc(h, bad) >= 0 {
		return "localhost"
	}
	return h
}

// smtpPlainAuth is AUTH PLAIN (RFC 4616) that refuses to run over an
// unencrypted connection except to a loopback host (net/smtp's PlainAuth
// knows only "localhost", 127.0.0.1 and ::1 as local).
type smtpPlainAuth struct {
	user, pass string
	loopback   bool
}

func (a smtpPlainAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS && !a.loopback {
		return "", nil, errors.New("refusing to send credentials over an unencrypted connection")
	}
	return "PLAIN", []byte("\x00" + a.user + "\x00" + a.pass), nil
}

func (a smtpPlainAuth) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return nil, errors.New("unexpected server challenge during AUTH PLAIN")
	}
	return nil, nil
}

// EmailMessage renders an alert body (the JSON of a Changed or an Event,
// as stored in the outbox) as an RFC 5322 message for cfg: a
// multipart/alternative with a text/plain part (the word diff with
// [-deleted-] and {+inserted+} under each hunk's heading path,
// significance, reasons, the page link) and a text/html part (the same
// with <del> and <ins>, escaped page text, inline styles only, no images,
// scripts or remote content). Both parts are quoted-printable UTF-8, so no
// line exceeds 78 octets; header values are stripped of control
// characters and RFC 2047 encoded when not ASCII.
//
// The Subject reads like "[redline] high: NAME changed (+1 -1 words)";
// the Message-ID is "<ALERT-ID@redline>" so that every attempt for an
// alert is recognisably the same message; Date is the alert's timestamp
// (now when it has none, the only input that is not from the arguments).
// X-Redline-Event and X-Redline-Alert-Id carry the event type and alert
// id. baseURL is as in RenderOptions: when set, both parts link to the
// full diff on redline's UI, BASEURL/targets/{name}/changes/{capture id}
// (or to BASEURL/targets/{name} for other events).
func EmailMessage(cfg SMTPConfig, alertID string, body []byte, baseURL string) ([]byte, error) {
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("email: from %q: %w", cfg.From, err)
	}
	if len(cfg.To) == 0 {
		return nil, errors.New("email: no recipients")
	}
	to := make([]string, len(cfg.To))
	for i, s := range cfg.To {
		a, err := mail.ParseAddress(s)
		if err != nil {
			return nil, fmt.Errorf("email: recipient %q: %w", s, err)
		}
		to[i] = emailAddress("To", a)
	}
	v, err := emailViewOf(body, alertID, baseURL)
	if err != nil {
		return nil, err
	}
	prefix := cmp.Or(cfg.SubjectPrefix, DefaultSubjectPrefix)
	v.Subject = emailClip(emailHeaderText(prefix+" "+v.Subject), emailMaxSubject)

	html, err := emailHTML(v)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(append([]byte(v.AlertID+"\n"), body...))
	// "=_" never occurs in quoted-printable text, so the boundary cannot
	// collide with the content.
	boundary := "redline=_" + hex.EncodeToString(sum[:12])

	var b bytes.Buffer
	emailHeader(&b, "From", emailAddress("From", from))
	emailHeader(&b, "To", strings.Join(to, ", "))
	emailHeader(&b, "Subject", emailEncode("Subject", v.Subject))
	emailHeader(&b, "Date", v.Date.Format(time.RFC1123Z))
	emailHeader(&b, "Message-ID", "<"+emailMessageIDLocal(v.AlertID)+"@redline>")
	emailHeader(&b, "MIME-Version", "1.0")
	emailHeader(&b, "Auto-Submitted", "auto-generated")
	emailHeader(&b, "X-Redline-Event", emailEncode("X-Redline-Event", emailHeaderText(v.Event)))
	emailHeader(&b, "X-Redline-Alert-Id", emailEncode("X-Redline-Alert-Id", emailHeaderText(v.AlertID)))
	if v.Significance != "" {
		emailHeader(&b, "X-Redline-Significance", emailEncode("X-Redline-Significance", emailHeaderText(v.Significance)))
	}
	emailHeader(&b, "Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": boundary}))
	b.WriteString("\r\n")

	mw := multipart.NewWriter(&b)
	if err := mw.SetBoundary(boundary); err != nil {
		return nil, fmt.Errorf("email: %w", err)
	}
	for _, p := range []struct{ ctype, text string }{
		{"text/plain; charset=utf-8", emailText(v)},
		{"text/html; charset=utf-8", html},
	} {
		pw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p.ctype},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err == nil {
			qp := quotedprintable.NewWriter(pw)
			_, err = qp.Write([]byte(p.text))
			err = errors.Join(err, qp.Close())
		}
		if err != nil {
			return nil, fmt.Errorf("email: %w", err)
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("email: %w", err)
	}
	return b.Bytes(), nil
}

// emailHeader writes "name: value" folded at spaces so that lines stay
// within 78 octets where the value allows (it never holds a word longer
// than 998).
func emailHeader(b *bytes.Buffer, name, value string) {
	line := name + ":"
	for i, w := range strings.Split(value, " ") {
		if i > 0 && w == "" { // a run of spaces
			continue
		} else if i > 0 && len(line)+1+len(w) > 78 {
			b.WriteString(line + "\r\n")
			line = ""
		}
		line += " " + w
	}
	b.WriteString(line + "\r\n")
}

// emailEncode returns header text s for the header called name: as is
// when it is printable ASCII, else as RFC 2047 "Q" encoded words of at most
// 75 octets, the first short enough to share a line with the name,
// separated by spaces where emailHeader may fold.
func emailEncode(name, s string) string {
	if emailPlainASCII(s) {
		return s
	}
	const open, end = "=?utf-8?q?", "?="
	var words []string
	var w strings.Builder
	limit := max(78-len(name)-2, len(open)+len(end)+12) // room for one rune
	w.WriteString(open)
	var enc []byte
	for _, r := range s {
		enc = enc[:0]
		switch {
		case r == ' ':
			enc = append(enc, '_')
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("!*+-/", r)):
			enc = append(enc, byte(r))
		default:
			for _, c := range []byte(string(r)) {
				enc = fmt.Appendf(enc, "=%02X", c)
			}
		}
		if w.Len()+len(enc)+len(end) > limit {
			w.WriteString(end)
			words = append(words, w.String())
			w.Reset()
			w.WriteString(open)
			limit = 75
		}
		w.Write(enc)
	}
	w.WriteString(end)
	return strings.Join(append(words, w.String()), " ")
}

// emailPlainASCII reports whether s can go into a header unencoded:
// printable ASCII that does not look like an encoded word.
func emailPlainASCII(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < ' ' || r > '~' }) < 0 && !strings.Contains(s, "=?")
}

// emailAddress formats a for the header called name, encoding a display
// name that is not ASCII in words that fold within 78 octets.
func emailAddress(name string, a *mail.Address) string {
	display := emailHeaderText(a.Name)
	if emailPlainASCII(display) {
		return (&mail.Address{Name: display, Address: a.Address}).String()
	}
	return emailEncode(name, display) + " " + (&mail.Address{Address: a.Address}).String()
}

// emailHeaderText makes s safe as header text: valid UTF-8, no control
// characters (so no CR or LF can start a header of its own), runs of
// white space as one space.
func emailHeaderText(s string) string {
	sep := func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u2028' || r == '\u2029' }
	return strings.Join(strings.FieldsFunc(strings.ToValidUTF8(s, "\uFFFD"), sep), " ")
}

// emailClip shortens s to at most n runes, marking the cut with "…".
func emailClip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// emailMessageIDLocal is the alert id when it is a valid dot-atom, else a
// hash of it, so the Message-ID is stable per alert and always well formed.
func emailMessageIDLocal(id string) string {
	bad := func(r rune) bool {
		return !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) || strings.ContainsRune("!#$%&'*+-/=?^_`{|}~.", r))
	}
	if id != "" && len(id) <= 128 && strings.IndexFunc(id, bad) < 0 &&
		!strings.HasPrefix(id, ".") && !strings.HasSuffix(id, ".") && !strings.Contains(id, "..") {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return "h" + hex.EncodeToString(sum[:16])
}

// emailView is what both parts of an email show.
type emailView struct {
	Subject      string
	Title        string // "NAME changed", "NAME: selector.missing"
	Event        string
	AlertID      string
	Date         time.Time
	PageURL      string // the page, when it is an http(s) URL
	Link         string // on redline's UI: the full diff, or the target for events
	LinkText     string
	Significance string
	SigStyle     template.CSS
	Reasons      []string
	Facts        []string // one line each: words, keywords, captures, reverts
	Detail       string   // events
	Hunks        []emailHunk
	More         int    // hunks left out
	Word         string // the word diff when the payload has no hunks
}

// emailHunk is one hunk as shown.
type emailHunk struct {
	Heading          string
	OldLine, NewLine int
	Text             string // word diff with [-…-] and {+…+}, no @@ line
	ElidedBefore     bool
	ElidedAfter      bool
	Segments         []diff.Segment
}

// emailViewOf decodes an alert body.
func emailViewOf(body []byte, alertID, baseURL string) (emailView, error) {
	var head struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return emailView{}, fmt.Errorf("email: alert body: %w", err)
	}
	if head.Type == "" {
		return emailView{}, errors.New("email: alert body has no type")
	}
	v := emailView{Event: head.Type, AlertID: cmp.Or(alertID, head.ID)}
	if v.AlertID == "" {
		return emailView{}, errors.New("email: alert has no id")
	}
	base := strings.TrimRight(strings.TrimSpace(baseURL), "/")
	if base != "" && emailWebURL(base) == "" {
		return emailView{}, fmt.Errorf("email: base URL %q is not an absolute http(s) URL", baseURL)
	}
	var target TargetRef
	var change int64 // capture the change leads to
	if head.Type == redline.EventPageChanged {
		var c Changed
		if err := json.Unmarshal(body, &c); err != nil {
			return emailView{}, fmt.Errorf("email: %s body: %w", head.Type, err)
		}
		emailChanged(&v, c)
		target, change = c.Target, c.Current.CaptureID
	} else {
		var e Event
		if err := json.Unmarshal(body, &e); err != nil {
			return emailView{}, fmt.Errorf("email: %s body: %w", head.Type, err)
		}
		target = e.Target
		v.Date = e.Timestamp
		v.PageURL = emailWebURL(e.Target.URL)
		v.Title = emailTargetName(e.Target) + ": " + emailHeaderText(e.Type)
		v.Subject = v.Title
		v.Detail = e.Detail
		if e.Current.CaptureID != 0 {
			v.Facts = append(v.Facts, fmt.Sprintf("Capture %d fetched %s (HTTP %d)", e.Current.CaptureID, emailTime(e.Current.FetchedAt), e.Current.Status))
		}
	}
	if base != "" && target.Name != "" { // the same links as Render
		v.Link, v.LinkText = base+"/targets/"+url.PathEscape(target.Name), "Target on redline"
		if change != 0 {
			v.Link, v.LinkText = v.Link+"/changes/"+strconv.FormatInt(change, 10), "Full diff"
		}
	}
	if v.Date.IsZero() {
		v.Date = time.Now()
	}
	v.Date = v.Date.UTC().Truncate(time.Second)
	return v, nil
}

// emailChanged fills v from a page.changed body.
func emailChanged(v *emailView, c Changed) {
	name := emailTargetName(c.Target)
	v.Date = c.Timestamp
	v.PageURL = emailWebURL(c.Target.URL)
	v.Significance = c.Significance
	v.SigStyle = emailSigStyle(c.Significance)
	v.Reasons = c.Reasons
	changed := "changed"
	if c.RevertedTo != 0 {
		changed = "changed back"
	}
	v.Title = name + " " + changed
	v.Subject = fmt.Sprintf("%s %s (+%d -%d words)", name, changed, c.Stats.WordsAdded, c.Stats.WordsRemoved)
	if c.Significance != "" {
		v.Subject = emailHeaderText(c.Significance) + ": " + v.Subject
	}
	v.Facts = append(v.Facts, fmt.Sprintf("Words: +%d -%d in %d %s", c.Stats.WordsAdded, c.Stats.WordsRemoved, c.Stats.Hunks, emailPlural(c.Stats.Hunks, "place", "places")))
	if len(c.Signals) > 0 {
		v.Facts = append(v.Facts, "Signals: "+strings.Join(c.Signals, ", "))
	}
	for _, k := range []struct {
		label string
		list  []string
	}{{"Keywords added", c.Keywords.Added}, {"Keywords removed", c.Keywords.Removed}, {"Keywords nearby", c.Keywords.Near}} {
		if len(k.list) > 0 {
			v.Facts = append(v.Facts, k.label+": "+strings.Join(k.list, ", "))
		}
	}
	if c.RevertedTo != 0 {
		v.Facts = append(v.Facts, fmt.Sprintf("The page went back to the text of capture %d.", c.RevertedTo))
	}
	if c.Stats.Truncated {
		v.Facts = append(v.Facts, "The diff hit its time limit and is coarser than usual.")
	}
	if c.Previous.CaptureID != 0 || c.Current.CaptureID != 0 {
		v.Facts = append(v.Facts, fmt.Sprintf("Captures: %d (%s) → %d (%s)",
			c.Previous.CaptureID, emailTime(c.Previous.FetchedAt), c.Current.CaptureID, emailTime(c.Current.FetchedAt)))
	}
	size := 0
	for i, h := range c.Diff.Hunks {
		text := diff.Result{Hunks: []diff.Hunk{h}}.WordDiff()
		if _, rest, ok := strings.Cut(text, "\n"); ok { // drop the "@@ … @@" line
			text = rest
		}
		if i >= emailMaxHunks || size+len(text) > emailMaxDiffBytes {
			v.More = len(c.Diff.Hunks) - i
			break
		}
		size += len(text)
		v.Hunks = append(v.Hunks, emailHunk{
			Heading: strings.Join(h.Heading, " › "), OldLine: h.OldLine, NewLine: h.NewLine,
			Text: text, ElidedBefore: h.ElidedBefore, ElidedAfter: h.ElidedAfter, Segments: h.Segments,
		})
	}
	if len(c.Diff.Hunks) == 0 && c.Diff.Word != "" {
		v.Word = c.Diff.Word
		if len(v.Word) > emailMaxDiffBytes {
			v.Word = strings.ToValidUTF8(v.Word[:emailMaxDiffBytes], "") + "…\n"
		}
	}
}

// emailTargetName names a target in a title: its name, else its URL.
func emailTargetName(t TargetRef) string {
	if n := emailHeaderText(t.Name); n != "" {
		return n
	}
	if u := emailHeaderText(t.URL); u != "" {
		return u
	}
	return "(unnamed target)"
}

func emailPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// emailTime formats t for a reader; "unknown" when zero.
func emailTime(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// emailWebURL returns u when it is an absolute http(s) URL, else "".
func emailWebURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	return u
}

// emailSigStyle colours the significance badge.
func emailSigStyle(sig string) template.CSS {
	switch sig {
	case "high":
		return "background:#cf222e;color:#ffffff"
	case "medium":
		return "background:#bf8700;color:#ffffff"
	default:
		return "background:#6e7781;color:#ffffff"
	}
}

// emailText renders the text/plain part.
func emailText(v emailView) string {
	var b strings.Builder
	b.WriteString(v.Title + "\n")
	if v.Significance != "" {
		b.WriteString("Significance: " + v.Significance + "\n")
	}
	for _, r := range v.Reasons {
		b.WriteString("  - " + r + "\n")
	}
	if v.PageURL != "" {
		b.WriteString("Page: " + v.PageURL + "\n")
	}
	for _, f := range v.Facts {
		b.WriteString(f + "\n")
	}
	if v.Detail != "" {
		b.WriteString("\n" + v.Detail + "\n")
	}
	for _, h := range v.Hunks {
		b.WriteString("\n@@ -" + strconv.Itoa(h.OldLine) + " +" + strconv.Itoa(h.NewLine) + " @@")
		if h.Heading != "" {
			b.WriteString(" " + h.Heading)
		}
		b.WriteString("\n" + h.Text)
	}
	if v.Word != "" {
		b.WriteString("\n" + v.Word)
	}
	if v.More > 0 {
		fmt.Fprintf(&b, "\n… and %d more %s not shown here.\n", v.More, emailPlural(v.More, "change", "changes"))
	}
	if v.Link != "" {
		b.WriteString("\n" + v.LinkText + ": " + v.Link + "\n")
	}
	b.WriteString("\n-- \nredline alert " + v.AlertID + " (" + v.Event + ")\n")
	return b.String()
}

// emailHTMLSource is the text/html part. Styles are inline (mail clients
// drop <style> blocks) and nothing is loaded from elsewhere. html/template
// escapes the page text and refuses non-http(s) links.
const emailHTMLSource = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{{.Subject}}</title></head>
<body style="margin:0;padding:16px;background:#ffffff;color:#1f2328;font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;font-size:14px;line-height:1.5">
<h1 style="margin:0 0 8px;font-size:18px">{{.Title}}{{if .Significance}} <span style="{{.SigStyle}};border-radius:4px;padding:1px 6px;font-size:12px;vertical-align:middle">{{.Significance}}</span>{{end}}</h1>
{{if .Reasons}}<ul style="margin:0 0 8px;padding-left:20px">{{range .Reasons}}<li>{{.}}</li>{{end}}</ul>
{{end}}{{if .PageURL}}<p style="margin:0 0 8px"><a href="{{.PageURL}}" style="color:#0969da">{{.PageURL}}</a></p>
{{end}}{{range .Facts}}<div style="color:#57606a;font-size:13px">{{.}}</div>
{{end}}{{if .Detail}}<p style="margin:8px 0;white-space:pre-wrap">{{.Detail}}</p>
{{end}}{{range .Hunks}}<div style="margin:12px 0;border:1px solid #d0d7de;border-radius:6px">
<div style="padding:4px 8px;background:#f6f8fa;border-bottom:1px solid #d0d7de;color:#57606a;font-size:12px">{{if .Heading}}{{.Heading}} · {{end}}line {{.NewLine}}</div>
<div style="padding:8px;white-space:pre-wrap;word-wrap:break-word;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px">
{{- if .ElidedBefore}}…{{end}}
{{- range .Segments}}
{{- if eq .Op "delete"}}<del style="background:#ffebe9;color:#82071e">{{.Text}}</del>
{{- else if eq .Op "insert"}}<ins style="background:#dafbe1;color:#116329">{{.Text}}</ins>
{{- else}}{{.Text}}{{end}}
{{- end}}
{{- if .ElidedAfter}}…{{end}}</div>
</div>
{{end}}{{if .Word}}<pre style="white-space:pre-wrap;font-size:13px">{{.Word}}</pre>
{{end}}{{if .More}}<p style="color:#57606a">… and {{.More}} more not shown here.</p>
{{end}}{{if .Link}}<p><a href="{{.Link}}" style="color:#0969da">{{.LinkText}}</a></p>
{{end}}<p style="margin-top:16px;color:#8c959f;font-size:12px">redline alert {{.AlertID}} ({{.Event}})</p>
</body></html>
`

// emailHTML renders the text/html part.
func emailHTML(v emailView) (string, error) {
	t, err := template.New("email").Parse(emailHTMLSource)
	if err != nil {
		return "", fmt.Errorf("email: template: %w", err)
	}
	var b strings.Builder
	if err := t.Execute(&b, v); err != nil {
		return "", fmt.Errorf("email: render html: %w", err)
	}
	return b.String(), nil
}
