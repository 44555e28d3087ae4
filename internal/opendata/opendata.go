// Package opendata embeds the real open data citizengraph is seeded from —
// the comuni of the Città metropolitana di Milano, its zone omogenee, Milan's
// municipi and NIL, libraries and archives, and the national vocabularies
// (service categories, public-event types, life events, cultural places, the
// pagoPA taxonomy) — and parses it into typed rows, with the boundaries of
// the comuni and of the NIL as GeoJSON geometries. Sources and licences are
// in data/README.md.
package opendata

import (
	"bytes"
	"embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

//go:embed data/*.csv data/*.geojson
var files embed.FS

// Comune is a comune of the metropolitan city (comuni_mi.csv).
type Comune struct {
	IstatCode      string
	Name           string
	CadastralCode  string
	Province       string
	Capital        bool
	CAP            []string
	Population2011 int
	Population2021 int
	Lat, Lon       float64
}

// ItalianComune is any Italian comune at 2020 (comuni_italia.csv), used to
// encode and decode birthplaces in fiscal codes.
type ItalianComune struct {
	IstatCode     string
	Name          string
	Province      string
	Region        string
	CadastralCode string
}

// Zona is a zona omogenea (zone_omogenee_cmm.csv); ID 0 is Milano.
type Zona struct {
	ID              int
	Name            string
	DeclaredComuni  int
	DeclaredPop     int
	DeclaredAreaKm2 float64
	Theme           string
}

// ZonaMember assigns a comune to a zona by name (comuni_zone_omogenee.csv).
type ZonaMember struct {
	IstatCode string
	Zona      string
}

// Municipio is one of Milan's nine municipi.
type Municipio struct {
	ID   int
	Name string
	Nil  []int
}

// Nil is one of Milan's 88 Nuclei di Identità Locale.
type Nil struct {
	ID        int
	Name      string
	AreaKm2   float64
	Lat, Lon  float64
	Municipio int // prevalent municipio, 0 when unknown
}

// Library is a library or archive in Milan (biblioteche_archivi_milano.csv).
type Library struct {
	ID         int
	Name       string
	Type       string // BIBLIOTECHE, ARCHIVI
	Subtype    string
	Owner      string
	Address    string
	Municipio  int
	NilID      int
	Phone      string
	Email      string
	URL        string
	Accessible bool
	Notes      string
	Lat, Lon   float64
}

// Category is a Designers Italia service category (servizi_categorie.csv).
type Category struct {
	Code       int
	Name       string
	LongName   string
	Definition string
}

// EventType is a national public-event type (eventi_pubblici_tipologie.csv).
type EventType struct {
	Code, Parent string
	Level        int
	NameIT       string
	NameEN       string
	Definition   string
	URI          string
}

// LifeEvent is a citizen or business life event (eventi_vita.csv).
type LifeEvent struct {
	Scope  string // cittadino, impresa
	Code   string
	NameIT string
	NameEN string
}

// PlaceType is a type of place of cultural interest (luoghi_cultura_tipologie.csv).
type PlaceType struct {
	Code, Parent string
	Level        int
	NameIT       string
	URI          string
}

// Taxonomy is an entry of the pagoPA collection-service taxonomy.
type Taxonomy struct {
	Code        string // dati specifici di incasso, e.g. 9/0101101IM/
	EntityType  string // 01 comune, 02 città metropolitana
	MacroArea   string
	ServiceType string
	LegalReason string
	Description string
	ValidFrom   string
	ValidTo     string
}

func read(name string) ([]map[string]string, error) {
	data, err := files.ReadFile("data/" + name)
	if err != nil {
		return nil, fmt.Errorf("opendata: %w", err)
	}
	r := csv.NewReader(bytes.NewReader(data))
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("opendata: %s: %w", name, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("opendata: %s: empty", name)
	}
	head := recs[0]
	out := make([]map[string]string, 0, len(recs)-1)
	for _, rec := range recs[1:] {
		m := make(map[string]string, len(head))
		for i, h := range head {
			if i < len(rec) {
				m[h] = strings.TrimSpace(rec[i])
			}
		}
		out = append(out, m)
	}
	return out, nil
}

func atoi(s string) int     { n, _ := strconv.Atoi(s); return n }
func atof(s string) float64 { f, _ := strconv.ParseFloat(s, 64); return f }
func list(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ";")
}

// Comuni returns the 133 comuni of the metropolitan city in ISTAT order.
func Comuni() ([]Comune, error) {
	rows, err := read("comuni_mi.csv")
	if err != nil {
		return nil, err
	}
	out := make([]Comune, 0, len(rows))
	for _, r := range rows {
		out = append(out, Comune{
			IstatCode: r["codice_istat"], Name: r["nome"], CadastralCode: r["codice_catastale"],
			Province: r["sigla_provincia"], Capital: r["capoluogo"] == "true", CAP: list(r["cap"]),
			Population2011: atoi(r["popolazione_2011"]), Population2021: atoi(r["popolazione_2021"]),
			Lat: atof(r["lat"]), Lon: atof(r["lon"]),
		})
	}
	return out, nil
}

// ItalianComuni returns every Italian comune at 1 January 2020.
func ItalianComuni() ([]ItalianComune, error) {
	rows, err := read("comuni_italia.csv")
	if err != nil {
		return nil, err
	}
	out := make([]ItalianComune, 0, len(rows))
	for _, r := range rows {
		out = append(out, ItalianComune{
			IstatCode: r["codice_istat"], Name: r["nome_it"], Province: r["sigla_provincia"],
			Region: r["regione"], CadastralCode: r["codice_catastale"],
		})
	}
	return out, nil
}

// Zone returns the zone omogenee, Milano (ID 0) included.
func Zone() ([]Zona, error) {
	rows, err := read("zone_omogenee_cmm.csv")
	if err != nil {
		return nil, err
	}
	out := make([]Zona, 0, len(rows))
	for _, r := range rows {
		out = append(out, Zona{
			ID: atoi(r["id_zona"]), Name: r["nome"], DeclaredComuni: atoi(r["n_comuni_dichiarati"]),
			DeclaredPop: atoi(r["popolazione_dichiarata"]), DeclaredAreaKm2: atof(r["superficie_kmq_dichiarata"]),
			Theme: r["tema_psm"],
		})
	}
	return out, nil
}

// ZonaMembers returns the known comune → zona assignments. The sources do
// not assign every comune yet; missing comuni have no row.
func ZonaMembers() ([]ZonaMember, error) {
	rows, err := read("comuni_zone_omogenee.csv")
	if err != nil {
		return nil, err
	}
	out := make([]ZonaMember, 0, len(rows))
	for _, r := range rows {
		out = append(out, ZonaMember{IstatCode: r["istat_code"], Zona: r["zona_omogenea"]})
	}
	return out, nil
}

// Municipi returns Milan's nine municipi.
func Municipi() ([]Municipio, error) {
	rows, err := read("municipi_milano.csv")
	if err != nil {
		return nil, err
	}
	out := make([]Municipio, 0, len(rows))
	for _, r := range rows {
		m := Municipio{ID: atoi(r["id_municipio"]), Name: r["nome"]}
		for _, s := range list(r["nil_prevalenti"]) {
			m.Nil = append(m.Nil, atoi(s))
		}
		out = append(out, m)
	}
	return out, nil
}

// Nils returns Milan's 88 NIL.
func Nils() ([]Nil, error) {
	rows, err := read("nil_milano.csv")
	if err != nil {
		return nil, err
	}
	out := make([]Nil, 0, len(rows))
	for _, r := range rows {
		out = append(out, Nil{
			ID: atoi(r["id_nil"]), Name: r["nome"], AreaKm2: atof(r["area_kmq"]),
			Lat: atof(r["lat"]), Lon: atof(r["lon"]), Municipio: atoi(r["municipio_prevalente"]),
		})
	}
	return out, nil
}

// Libraries returns Milan's libraries and archives.
func Libraries() ([]Library, error) {
	rows, err := read("biblioteche_archivi_milano.csv")
	if err != nil {
		return nil, err
	}
	out := make([]Library, 0, len(rows))
	for _, r := range rows {
		out = append(out, Library{
			ID: atoi(r["id"]), Name: r["denominazione"], Type: r["tipologia"], Subtype: r["sottotipo"],
			Owner: r["ente"], Address: r["indirizzo"], Municipio: atoi(r["municipio"]), NilID: atoi(r["id_nil"]),
			Phone: r["telefono"], Email: r["email"], URL: r["url"], Accessible: r["accessibile_disabili"] == "SI",
			Notes: r["note"], Lat: atof(r["lat"]), Lon: atof(r["lon"]),
		})
	}
	return out, nil
}

// Categories returns the 15 Designers Italia service categories.
func Categories() ([]Category, error) {
	rows, err := read("servizi_categorie.csv")
	if err != nil {
		return nil, err
	}
	out := make([]Category, 0, len(rows))
	for _, r := range rows {
		out = append(out, Category{Code: atoi(r["codice"]), Name: r["nome"], LongName: r["nome_esteso"], Definition: r["definizione"]})
	}
	return out, nil
}

// EventTypes returns the national public-event types (three levels).
func EventTypes() ([]EventType, error) {
	rows, err := read("eventi_pubblici_tipologie.csv")
	if err != nil {
		return nil, err
	}
	out := make([]EventType, 0, len(rows))
	for _, r := range rows {
		out = append(out, EventType{
			Code: r["codice"], Parent: r["codice_padre"], Level: atoi(r["livello"]), NameIT: r["nome_it"],
			NameEN: r["nome_en"], Definition: r["definizione_it"], URI: r["uri"],
		})
	}
	return out, nil
}

// LifeEvents returns the citizen and business life events.
func LifeEvents() ([]LifeEvent, error) {
	rows, err := read("eventi_vita.csv")
	if err != nil {
		return nil, err
	}
	out := make([]LifeEvent, 0, len(rows))
	for _, r := range rows {
		out = append(out, LifeEvent{Scope: r["ambito"], Code: r["codice"], NameIT: r["nome_it"], NameEN: r["nome_en"]})
	}
	return out, nil
}

// PlaceTypes returns the types of places of cultural interest.
func PlaceTypes() ([]PlaceType, error) {
	rows, err := read("luoghi_cultura_tipologie.csv")
	if err != nil {
		return nil, err
	}
	out := make([]PlaceType, 0, len(rows))
	for _, r := range rows {
		out = append(out, PlaceType{Code: r["codice"], Parent: r["codice_padre"], Level: atoi(r["livello"]), NameIT: r["nome_it"], URI: r["uri"]})
	}
	return out, nil
}

// PagoPATaxonomy returns the pagoPA taxonomy entries for comuni and
// metropolitan cities.
func PagoPATaxonomy() ([]Taxonomy, error) {
	rows, err := read("tassonomia_pagopa_enti_locali.csv")
	if err != nil {
		return nil, err
	}
	out := make([]Taxonomy, 0, len(rows))
	for _, r := range rows {
		out = append(out, Taxonomy{
			Code: r["dati_specifici_incasso"], EntityType: r["codice_tipo_ente"], MacroArea: r["macro_area"],
			ServiceType: r["tipo_servizio"], LegalReason: r["motivo_giuridico"], Description: r["descrizione_tipo_servizio"],
			ValidFrom: r["data_inizio_validita"], ValidTo: r["data_fine_validita"],
		})
	}
	return out, nil
}

// Boundary is the outline of a place: a GeoJSON geometry (Polygon or
// MultiPolygon, WGS84 lon-lat) keyed by the place's code.
type Boundary struct {
	Code     string // ISTAT code of a comune, or the id of a NIL
	Name     string
	Geometry json.RawMessage
}

// ComuneBoundaries returns the boundaries of the 133 comuni
// (comuni_mi.geojson: openpolis, ISTAT boundaries of June 2023, simplified
// to about 10 m).
func ComuneBoundaries() ([]Boundary, error) {
	return boundaries("comuni_mi.geojson", "codice_istat")
}

// NilBoundaries returns the boundaries of Milan's 88 NIL
// (nil_milano.geojson: Comune di Milano, PGT 2030, simplified to about 3 m).
func NilBoundaries() ([]Boundary, error) {
	return boundaries("nil_milano.geojson", "id_nil")
}

func boundaries(name, codeProp string) ([]Boundary, error) {
	data, err := files.ReadFile("data/" + name)
	if err != nil {
		return nil, fmt.Errorf("opendata: %w", err)
	}
	var fc struct {
		Features []struct {
			Properties map[string]any  `json:"properties"`
			Geometry   json.RawMessage `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, fmt.Errorf("opendata: %s: %w", name, err)
	}
	out := make([]Boundary, 0, len(fc.Features))
	for i, f := range fc.Features {
		var code string
		switch v := f.Properties[codeProp].(type) {
		case string:
			code = v
		case float64:
			code = strconv.Itoa(int(v))
		default:
			return nil, fmt.Errorf("opendata: %s: feature %d has no %s", name, i, codeProp)
		}
		nm, _ := f.Properties["nome"].(string)
		out = append(out, Boundary{Code: code, Name: nm, Geometry: f.Geometry})
	}
	return out, nil
}

// Fountain is one of Milan's public drinking fountains
// (fontanelle_milano.csv), with the official NIL and municipio of its point.
type Fountain struct {
	ID        string
	Municipio int
	NilID     int
	Lat, Lon  float64
}

// Fountains returns Milan's 721 public drinking fountains: real points with
// an official NIL and municipio, used to check point-in-polygon lookups.
func Fountains() ([]Fountain, error) {
	rows, err := read("fontanelle_milano.csv")
	if err != nil {
		return nil, err
	}
	out := make([]Fountain, 0, len(rows))
	for _, r := range rows {
		out = append(out, Fountain{ID: r["objectid"], Municipio: atoi(r["municipio"]), NilID: atoi(r["id_nil"]),
			Lat: atof(r["lat"]), Lon: atof(r["lon"])})
	}
	return out, nil
}
