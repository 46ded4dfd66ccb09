<?php
// Bookshelf: a small reading-list site, the reference stack's second app. Plain PHP, mysqli, a Redis
// without a password, no framework. perfscore's code knows nothing of it: it is how perfscore is tried
// on an app it was not written for (issue 24).
declare(strict_types=1);

mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);

function db(): mysqli
{
    static $db = null;
    if ($db === null) {
        $db = new mysqli('127.0.0.1', 'bookshelf', (string) getenv('BOOKSHELF_DB_PASS'), 'bookshelf',
            (int) getenv('BOOKSHELF_DB_PORT'));
        $db->set_charset('utf8mb4');
    }
    return $db;
}

function cache(): ?Redis
{
    static $redis = false;
    if ($redis === false) {
        try {
            $redis = new Redis();
            $redis->connect('127.0.0.1', (int) getenv('BOOKSHELF_REDIS_PORT'), 1.0);
        } catch (Throwable $e) {
            error_log('bookshelf: cache unavailable: ' . $e->getMessage());
            $redis = null;
        }
    }
    return $redis;
}

function cached(string $key, int $ttl, callable $load): mixed
{
    $redis = cache();
    if ($redis !== null) {
        $hit = $redis->get($key);
        if ($hit !== false) {
            return json_decode((string) $hit, true);
        }
    }
    $value = $load();
    if ($redis !== null) {
        $redis->setex($key, $ttl, (string) json_encode($value));
    }
    return $value;
}

function e(string $s): string
{
    return htmlspecialchars($s, ENT_QUOTES | ENT_HTML5, 'UTF-8');
}

function page(string $title, string $body): void
{
    header('Content-Type: text/html; charset=utf-8');
    echo "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" . e($title) . " · Bookshelf</title>"
        . "<link rel=\"stylesheet\" href=\"/assets/site.css\"></head><body>"
        . "<nav><a href=\"/\">Home</a> <a href=\"/books?page=1\">Books</a> <a href=\"/authors\">Authors</a>"
        . " <a href=\"/members/\">Members</a> <a href=\"/about\">About</a> <a href=\"/contact\">Contact</a></nav>"
        . "<main><h1>" . e($title) . "</h1>$body</main>"
        . "<script src=\"/assets/site.js\"></script></body></html>\n";
}

function signed_in(): bool
{
    $want = (string) getenv('BOOKSHELF_SESSION');
    return $want !== '' && hash_equals($want, (string) ($_COOKIE['bs_session'] ?? ''));
}
