package culture_test

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"testing"

	"github.com/citizengraph/citizengraph/internal/apperr"
)

func itoa(n int) string { return strconv.Itoa(n) }

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func eq[T any](t *testing.T, want, got T, msg ...any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		t.Errorf("%s: want %#v, got %#v", fmt.Sprint(msg...), want, got)
	}
}

func isKind(t *testing.T, kind apperr.Kind, err error, msg ...any) {
	t.Helper()
	if !apperr.Is(kind, err) {
		t.Errorf("%s: want %s error, got %v", fmt.Sprint(msg...), kind, err)
	}
}

func matches(t *testing.T, re, s string) {
	t.Helper()
	if !regexp.MustCompile(re).MatchString(s) {
		t.Errorf("%q does not match %s", s, re)
	}
}
