package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/url"
	"strings"

	"github.com/nicholas-fedor/shoutrrr"
	"github.com/nicholas-fedor/shoutrrr/pkg/router"
)

// MaxShoutrrrText bounds the text sent to a shoutrrr service; services cut
// longer messages themselves, often without saying so.
const MaxShoutrrrText = 4000

// ParseShoutrrrURL checks a shoutrrr service URL (telegram://, matrix://,
// ntfy://, gotify://, pushover://...) without sending anything. The error
// never repeats the URL, which usually holds a token.
func ParseShoutrrrURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return errors.New("not a shoutrrr service URL (want e.g. ntfy://host/topic or telegram://token@telegram?chats=ID)")
	}
	if _, err := newShoutrrrSender(raw); err != nil {
		return fmt.Errorf("shoutrrr %s service: %v", u.Scheme, redactURLErr(err, raw))
	}
	return nil
}

func newShoutrrrSender(raw string) (*router.ServiceRouter, error) {
	// A logger of our own: shoutrrr.SetLogger would change package state.
	return shoutrrr.NewSender(log.New(io.Discard, "", 0), raw)
}

// ShoutrrrText is the plain text of an alert for a shoutrrr service: the
// user template's output when one is set, otherwise the email's plain text
// part, cut to MaxShoutrrrText.
func ShoutrrrText(alertID string, body []byte, opt RenderOptions) (string, error) {
	if opt.Template != nil {
		out, _, err := Render(FormatJSON, body, opt)
		if err != nil {
			return "", err
		}
		return clipText(string(out), MaxShoutrrrText), nil
	}
	v, err := emailViewOf(body, alertID, opt.BaseURL)
	if err != nil {
		return "", err
	}
	return clipText(emailText(v), MaxShoutrrrText), nil
}

// SendShoutrrr sends text to a shoutrrr service URL. shoutrrr takes no
// context: when ctx ends first, SendShoutrrr returns and the send finishes
// (or times out) on its own.
func SendShoutrrr(ctx context.Context, raw, text string) error {
	s, err := newShoutrrrSender(raw)
	if err != nil {
		return fmt.Errorf("shoutrrr: %v", redactURLErr(err, raw))
	}
	done := make(chan error, 1)
	go func() { done <- errors.Join(s.Send(text, nil)...) }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("shoutrrr: %v", redactURLErr(err, raw))
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("shoutrrr: %w", ctx.Err())
	}
}

// redactURLErr keeps a service URL (and its token) out of an error text.
func redactURLErr(err error, raw string) string {
	return strings.ReplaceAll(err.Error(), raw, "<service URL>")
}

// clipText cuts s to at most n runes, at a line break when one is near,
// marking the cut.
func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := string(r[:n-1])
	if i := strings.LastIndex(cut, "\n"); i > len(cut)/2 {
		cut = cut[:i]
	}
	return cut + "…"
}
