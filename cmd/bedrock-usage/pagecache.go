package main

import (
	"container/list"
	"sync"
	"time"
)

// pageCache holds rendered dashboard pages, bounded in bytes: the oldest-used pages go first
// when a new one would pass the bound, and a page older than the TTL is never served. A page
// larger than the whole bound is not kept.
type pageCache struct {
	mu       sync.Mutex
	maxBytes int64
	ttl      time.Duration
	bytes    int64
	order    *list.List // of *pageEntry, most recently used first
	byKey    map[string]*list.Element
}

type pageEntry struct {
	key   string
	body  []byte
	ctype string
	at    time.Time
}

func newPageCache(maxBytes int64, ttl time.Duration) *pageCache {
	return &pageCache{maxBytes: maxBytes, ttl: ttl, order: list.New(), byKey: map[string]*list.Element{}}
}

// get returns a fresh page for key.
func (c *pageCache) get(key string, now time.Time) (*pageEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*pageEntry)
	if now.Sub(e.at) >= c.ttl {
		c.remove(el)
		return nil, false
	}
	c.order.MoveToFront(el)
	return e, true
}

// put keeps a page, evicting the least recently used ones to stay within the bound.
func (c *pageCache) put(e *pageEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[e.key]; ok {
		c.remove(el)
	}
	size := int64(len(e.body))
	if size > c.maxBytes || c.ttl <= 0 {
		return
	}
	for c.bytes+size > c.maxBytes {
		c.remove(c.order.Back())
	}
	c.byKey[e.key] = c.order.PushFront(e)
	c.bytes += size
}

func (c *pageCache) remove(el *list.Element) {
	e := el.Value.(*pageEntry)
	c.order.Remove(el)
	delete(c.byKey, e.key)
	c.bytes -= int64(len(e.body))
}

// size is the cache's bytes and pages.
func (c *pageCache) size() (int64, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes, c.order.Len()
}
