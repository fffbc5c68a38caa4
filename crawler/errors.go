package crawler

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors returned (wrapped) by Fetch; match them with errors.Is.
var (
	// ErrRobots means robots.txt disallows the URL for our User-Agent.
	ErrRobots = errors.New("disallowed by robots.txt")
	// ErrTooLarge means the response body exceeded Options.MaxBodySize.
	ErrTooLarge = errors.New("response body too large")
	// ErrRetryAfter means the server asked us to come back later than
	// Options.MaxRetryAfter allows us to wait inside one Fetch. The error is a
	// *RetryAfterError; RetryAfter extracts the wait.
	ErrRetryAfter = errors.New("server asked to retry later")
	// ErrForbiddenAddress means a Restricted request would have connected to
	// an address AddressAllowed refuses (loopback, private, metadata, ...).
	ErrForbiddenAddress = errors.New("address not allowed")
	// ErrOutsideDomains means a URL of the redirect chain is not on one of
	// Request.AllowedDomains.
	ErrOutsideDomains = errors.New("outside the allowed domains")
)

// errRobotsUnreachable means robots.txt could not be fetched (network error
// or 5xx) and no earlier copy is known. Per RFC 9309 the crawler must not
// fetch the page then; the condition is transient and retried.
var errRobotsUnreachable = errors.New("robots.txt unreachable")

// RetryAfterError carries a Retry-After that was too long to wait for.
// It matches ErrRetryAfter with errors.Is.
type RetryAfterError struct {
	Status int           // HTTP status that carried the header (429 or 503)
	Wait   time.Duration // how long the server asked us to wait
	At     time.Time     // UTC time from which a retry is welcome
}

// Error implements error.
func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("%s: status %d, Retry-After %s (until %s)",
		ErrRetryAfter, e.Status, e.Wait, e.At.Format(time.RFC3339))
}

// Unwrap makes errors.Is(err, ErrRetryAfter) true.
func (e *RetryAfterError) Unwrap() error { return ErrRetryAfter }

// RetryAfter extracts the Retry-After wait from an error returned by Fetch,
// if the error is (or wraps) a *RetryAfterError.
func RetryAfter(err error) (time.Duration, bool) {
	var ra *RetryAfterError
	if errors.As(err, &ra) {
		return ra.Wait, true
	}
	return 0, false
}

// parseRetryAfter reads a Retry-After header given in seconds or as an
// HTTP-date. A date is measured against the response's Date header when it
// has one, so that clock skew between us and the server does not matter.
func parseRetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		const maxSecs = int64(1 << 31) // ~68 years; avoids Duration overflow
		return time.Duration(min(secs, maxSecs)) * time.Second, true
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	ref := now
	if d, err := http.ParseTime(h.Get("Date")); err == nil {
		ref = d
	}
	return max(at.Sub(ref), 0), true
}

// retryableStatus reports whether an HTTP status is worth another attempt.
func retryableStatus(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusTooManyRequests,
		http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// transient reports whether an error without a usable response is worth
// another attempt: network errors and timeouts yes; robots.txt refusals,
// restriction refusals, oversize bodies, certificate problems and malformed
// URLs no. The caller checks its own context first.
func transient(err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, ErrRobots), errors.Is(err, ErrTooLarge), errors.Is(err, ErrRetryAfter):
		return false
	case refused(err): // before errRobotsUnreachable, which may wrap it
		return false
	case errors.Is(err, errRobotsUnreachable):
		return true
	}
	var (
		certErr     *tls.CertificateVerificationError
		hostErr     x509.HostnameError
		authErr     x509.UnknownAuthorityError
		invalidCert x509.CertificateInvalidError
	)
	if errors.As(err, &certErr) || errors.As(err, &hostErr) ||
		errors.As(err, &authErr) || errors.As(err, &invalidCert) {
		return false
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		// Transport failures (connection refused or reset, EOF, timeouts)
		// arrive as *url.Error; "unsupported protocol scheme" and redirect
		// policy refusals do too but cannot improve with time.
		msg := urlErr.Err.Error()
		return !strings.Contains(msg, "unsupported protocol scheme") &&
			!strings.Contains(msg, "Not following redirect")
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}
