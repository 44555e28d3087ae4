package practices

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ContentStore keeps the bytes of documents, by document id; the practices
// schema keeps their metadata. [PGContent], the default, keeps them in
// Postgres. An object store implements it too: Put uploads the object
// (keyed by the id) before the transaction commits and may ignore tx, Open
// reads it with ranged GETs; an object whose transaction rolled back is an
// orphan for a sweep to delete (no row names it), never a row without its
// content.
type ContentStore interface {
	// Put stores the content of document id read from r to its end, as
	// part of tx, in which the document's row is written after Put
	// returns; it returns the number of bytes stored.
	Put(ctx context.Context, tx pgx.Tx, id string, r io.Reader) (int64, error)
	// Open returns the content of document id, size bytes long. Its reads
	// run under ctx (as sql.Rows do): it must not outlive ctx.
	Open(ctx context.Context, id string, size int64) (io.ReadSeekCloser, error)
}

// Sizes of the chunks of PGContent.
const (
	// contentChunk is the largest chunk a content is stored in.
	contentChunk = 256 << 10
	// readChunks is how many chunks a read fetches per statement: a
	// download holds a connection for one statement at a time, never for
	// the whole transfer to a slow client.
	readChunks = 4
)

// PGContent is the default ContentStore: chunks of bytea in
// practices.document_chunk, written with COPY in the transaction of the
// document's row, read back a few chunks per statement.
type PGContent struct {
	pool *pgxpool.Pool
}

// NewPGContent returns the Postgres content store on pool.
func NewPGContent(pool *pgxpool.Pool) *PGContent { return &PGContent{pool: pool} }

// Put implements ContentStore.
func (c *PGContent) Put(ctx context.Context, tx pgx.Tx, id string, r io.Reader) (int64, error) {
	src := &chunkSource{id: id, r: r, buf: make([]byte, contentChunk)}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"practices", "document_chunk"}, []string{"document_id", "off", "data"}, src); err != nil {
		if src.err != nil {
			return 0, src.err // the reader's own error (a limit, say), kinded
		}
		return 0, fmt.Errorf("copy document content: %w", err)
	}
	return src.off, nil
}

// chunkSource feeds COPY one chunk at a time from r. pgx encodes each row
// before asking for the next, so one buffer serves every chunk.
type chunkSource struct {
	id   string
	r    io.Reader
	buf  []byte
	n    int
	off  int64 // bytes read so far
	at   int64 // offset of the current chunk
	err  error
	done bool
}

func (s *chunkSource) Next() bool {
	if s.done {
		return false
	}
	n, err := io.ReadFull(s.r, s.buf)
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		s.done = true
	case err != nil:
		s.err, s.done = err, true
		return false
	}
	if n == 0 {
		return false
	}
	s.n, s.at = n, s.off
	s.off += int64(n)
	return true
}

func (s *chunkSource) Values() ([]any, error) { return []any{s.id, s.at, s.buf[:s.n]}, nil }

func (s *chunkSource) Err() error { return s.err }

// Open implements ContentStore.
func (c *PGContent) Open(ctx context.Context, id string, size int64) (io.ReadSeekCloser, error) {
	return &chunkReader{pool: c.pool, id: id, size: size, ctx: ctx}, nil
}

// chunkReader reads a content from its chunks, readChunks per statement,
// under the context of Open, which it does not outlive (like sql.Rows).
type chunkReader struct {
	pool   *pgxpool.Pool
	id     string
	size   int64
	pos    int64
	chunks []chunk // fetched, in order, covering [chunks[0].off, …)
	ctx    context.Context
}

type chunk struct {
	off  int64
	data []byte
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if r.pos >= r.size {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	c, err := r.chunkAt(r.pos)
	if err != nil {
		return 0, err
	}
	n := copy(p, c.data[r.pos-c.off:])
	r.pos += int64(n)
	return n, nil
}

// chunkAt returns the chunk holding byte pos, fetching it with the next
// ones when it is not among those fetched.
func (r *chunkReader) chunkAt(pos int64) (chunk, error) {
	for _, c := range r.chunks {
		if pos >= c.off && pos < c.off+int64(len(c.data)) {
			return c, nil
		}
	}
	rows, err := r.pool.Query(r.ctx, `select off, data from practices.document_chunk
		where document_id = $1 and off >= (select max(off) from practices.document_chunk where document_id = $1 and off <= $2)
		order by off limit $3`, r.id, pos, readChunks)
	if err != nil {
		return chunk{}, fmt.Errorf("read document content: %w", err)
	}
	r.chunks = r.chunks[:0]
	for rows.Next() {
		var c chunk
		if err := rows.Scan(&c.off, &c.data); err != nil {
			rows.Close()
			return chunk{}, fmt.Errorf("read document content: %w", err)
		}
		r.chunks = append(r.chunks, c)
	}
	if err := rows.Err(); err != nil {
		return chunk{}, fmt.Errorf("read document content: %w", err)
	}
	if len(r.chunks) == 0 || pos < r.chunks[0].off || pos >= r.chunks[0].off+int64(len(r.chunks[0].data)) {
		return chunk{}, fmt.Errorf("read document content: no chunk holds byte %d of %d", pos, r.size)
	}
	return r.chunks[0], nil
}

func (r *chunkReader) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = r.pos + offset
	case io.SeekEnd:
		abs = r.size + offset
	default:
		return 0, errors.New("seek: invalid whence")
	}
	if abs < 0 {
		return 0, errors.New("seek: negative position")
	}
	r.pos = abs
	return abs, nil
}

func (r *chunkReader) Close() error {
	r.chunks = nil
	return nil
}
