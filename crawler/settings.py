"""Scrapy settings for deptfeeds: polite by default; deptfeeds.toml [crawl] overrides them."""

BOT_NAME = "deptfeeds"

SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
# One spider class per configured source, built from deptfeeds.toml.
SPIDER_LOADER_CLASS = "crawler.spiderloader.SourceSpiderLoader"

# Identify the crawler and obey robots.txt.
USER_AGENT = "deptfeeds/0.1 (+https://github.com/deptfeeds/deptfeeds)"
ROBOTSTXT_OBEY = True

# Be gentle with small government servers.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Give up on slow, huge or cut-off responses instead of hanging or storing half a page.
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 5_000_000
DOWNLOAD_WARNSIZE = 2_000_000
DOWNLOAD_FAIL_ON_DATALOSS = True

# Retry transient failures, spaced out: Retry-After when the server gives one (a longer wait
# than RETRY_AFTER_MAX is not waited for), otherwise 2 s, 4 s, ... up to RETRY_BACKOFF_MAX.
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 2.0
RETRY_BACKOFF_MAX = 60.0
RETRY_AFTER_MAX = 120.0

# Follow a few redirects, never in circles; crawler/failures.py names every kind of fault.
REDIRECT_MAX_TIMES = 5
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.ResponseGuardMiddleware": 540,
    "crawler.middlewares.RedirectGuardMiddleware": 650,
    # Before offsite and robots.txt: nothing is requested from an internal address or another port.
    "crawler.middlewares.DestinationGuardMiddleware": 40,
}
SPIDER_MIDDLEWARES = {"crawler.middlewares.ListingLoopMiddleware": 800}

# Conditional requests: pages are kept with their ETag and Last-Modified (RFC 2616 policy), and
# every request asks the server first (max-age=0), so an unchanged page costs a 304 and a
# listing is never served stale from the cache. The folder is set beside the store.
HTTPCACHE_ENABLED = True
HTTPCACHE_POLICY = "crawler.httpcache.RobotsForADayPolicy"
HTTPCACHE_STORAGE = "crawler.httpcache.FastGzipCacheStorage"
HTTPCACHE_EXPIRATION_SECS = 0
HTTPCACHE_GZIP = True
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "vi,en;q=0.8",
    "Cache-Control": "max-age=0",
}

# Store articles and record each crawl run.
ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 300}
# A crawl runs one crawler per source in one process: each buffers at most 250 kB of downloaded
# pages waiting to be parsed (Scrapy's 5 MB is meant for one crawler per process), and hands a
# page's requests and items on 16 at a time (the pipeline is synchronous; 100 made more tasks).
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 250_000
CONCURRENT_ITEMS = 16

# Scrapy parses the source of every spider's callbacks to warn of a generator returning a value:
# with a hundred spiders per process, 5 % of an unchanged recrawl's CPU. Ours return none.
WARN_ON_GENERATOR_RETURN_VALUE = False

# No remote console; plain logs.
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"

# deptfeeds' own settings: which config file (default ./deptfeeds.toml or $DEPTFEEDS_CONFIG).
DEPTFEEDS_CONFIG = None
