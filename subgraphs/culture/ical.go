package culture

import (
	"bufio"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// CalendarEntry is an event with what a calendar shows about its place.
type CalendarEntry struct {
	Event      Event
	Venue      *Venue // nil for events held around a comune
	ComuneName string // "" when unknown
}

// Calendar describes an iCalendar feed.
type Calendar struct {
	Name    string    // X-WR-CALNAME, shown by calendar apps
	Stamp   time.Time // DTSTAMP of every event: when the feed was made
	Entries []CalendarEntry
}

// vtimezone is Europe/Rome (CET/CEST since 1980: the last Sunday of March
// and of October), which every DTSTART/DTEND names (RFC 5545 §3.6.5).
const vtimezone = "BEGIN:VTIMEZONE\r\nTZID:Europe/Rome\r\n" +
	"BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\n" +
	"DTSTART:19810329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n" +
	"BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n" +
	"DTSTART:19961027T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n" +
	"END:VTIMEZONE\r\n"

// WriteICS writes c as an iCalendar object (RFC 5545): one VEVENT per
// entry with UID, DTSTAMP, DTSTART/DTEND in Europe/Rome, SUMMARY,
// DESCRIPTION, LOCATION, GEO, URL (the venue's site, when it has one) and
// CATEGORIES; TEXT values escaped (§3.3.11) and lines folded at 75 octets
// (§3.1), CRLF-terminated.
func WriteICS(w io.Writer, c Calendar, categoryName func(code string) string, rome *time.Location) error {
	bw := bufio.NewWriter(w)
	line := func(name, value string) { writeFolded(bw, name+":"+value) }
	bw.WriteString("BEGIN:VCALENDAR\r\n")
	line("VERSION", "2.0")
	line("PRODID", "-//Comune di Milano//citizengraph//IT")
	line("CALSCALE", "GREGORIAN")
	line("METHOD", "PUBLISH")
	if c.Name != "" {
		line("X-WR-CALNAME", escapeText(c.Name))
	}
	line("X-WR-TIMEZONE", "Europe/Rome")
	bw.WriteString(vtimezone)
	stamp := c.Stamp.UTC().Format("20060102T150405Z")
	for _, en := range c.Entries {
		e := en.Event
		bw.WriteString("BEGIN:VEVENT\r\n")
		line("UID", e.ID+"@citizengraph.comune.milano.it")
		line("DTSTAMP", stamp)
		line("DTSTART;TZID=Europe/Rome", e.StartsAt.In(rome).Format("20060102T150405"))
		line("DTEND;TZID=Europe/Rome", e.EndsAt.In(rome).Format("20060102T150405"))
		line("SUMMARY", escapeText(e.Title))
		if e.Description != "" {
			line("DESCRIPTION", escapeText(e.Description))
		}
		if loc := location(en); loc != "" {
			line("LOCATION", escapeText(loc))
		}
		if e.Lat != nil && e.Lon != nil {
			line("GEO", strconv.FormatFloat(*e.Lat, 'f', 6, 64)+";"+strconv.FormatFloat(*e.Lon, 'f', 6, 64))
		}
		if en.Venue != nil {
			if u := webURL(en.Venue.URL); u != "" {
				line("URL", u)
			}
		}
		if name := categoryName(e.Category); name != "" {
			line("CATEGORIES", escapeText(name))
		}
		if e.Organizer != "" {
			line("X-CITIZENGRAPH-ORGANIZER", escapeText(e.Organizer))
		}
		line("STATUS", "CONFIRMED")
		line("TRANSP", "OPAQUE")
		bw.WriteString("END:VEVENT\r\n")
	}
	bw.WriteString("END:VCALENDAR\r\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("culture: write calendar: %w", err)
	}
	return nil
}

// location is the LOCATION of an entry: the venue and its address, or the
// comune.
func location(en CalendarEntry) string {
	if v := en.Venue; v != nil {
		return titleCase(v.Name) + ", " + titleCase(v.Address) + ", Milano"
	}
	return en.ComuneName
}

// webURL makes a venue's site an absolute http(s) URI (the source often
// omits the scheme), or "" when it is not one.
func webURL(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, " \t\"<>\\^`{|}") {
		return ""
	}
	if !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || !strings.Contains(u.Host, ".") {
		return ""
	}
	return u.String()
}

// escapeText escapes an iCalendar TEXT value (RFC 5545 §3.3.11): backslash,
// semicolon, comma and newlines; other control characters, which TEXT may
// not hold, are dropped.
func escapeText(s string) string {
	var b strings.Builder
	s = strings.ReplaceAll(s, "\r\n", "\n")
	for _, r := range s {
		switch {
		case r == '\\', r == ';', r == ',':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// writeFolded writes a content line folded at 75 octets (RFC 5545 §3.1):
// each continuation starts with one space, and no UTF-8 sequence is split.
func writeFolded(w *bufio.Writer, s string) {
	const max = 75
	limit := max
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		w.WriteString(s[:cut])
		w.WriteString("\r\n ")
		s = s[cut:]
		limit = max - 1 // the leading space counts
	}
	w.WriteString(s)
	w.WriteString("\r\n")
}
