<?php
// LoanFlow reference app: shared services (DB, Redis, knobs, responses).
declare(strict_types=1);

final class Knobs
{
    private static ?array $values = null;

    public static function get(string $name): mixed
    {
        // stackctl writes every knob to this file (defaults from stack/settings.toml): no defaults here.
        if (self::$values === null) {
            $file = getenv('LOANFLOW_KNOBS') ?: '';
            $data = ($file !== '' && is_readable($file)) ? json_decode((string) file_get_contents($file), true) : null;
            if (!is_array($data)) {
                throw new RuntimeException('knobs file missing or unreadable: run stack/stackctl up');
            }
            self::$values = $data;
        }
        if (!array_key_exists($name, self::$values)) {
            throw new RuntimeException("unknown knob $name");
        }
        return self::$values[$name];
    }
}

/**
 * The app's own count of what each request sent to MariaDB: the truth the audit's per-request figures are
 * tested against (tests/audit/test_audit_stack.py::test_per_request_figures_are_the_apps_own_count).
 * One line per request, appended at shutdown to the file LOANFLOW_TRUTH names:
 * "<unix time> <statements> <connections or -1 when persistent> <path>".
 */
final class Truth
{
    public static int $statements = 0;
    public static int $connections = 0;

    public static function write(): void
    {
        $file = (string) getenv('LOANFLOW_TRUTH');
        if ($file === '') {
            return;
        }
        $connections = Knobs::get('persistent_db') === 'on' ? -1 : self::$connections;  // reuse is not visible
        $path = substr(strtok((string) ($_SERVER['REQUEST_URI'] ?? '/'), '?') ?: '/', 0, 200);
        $line = sprintf("%.6f %d %d %s\n", microtime(true), self::$statements, $connections, $path);
        file_put_contents($file, $line, FILE_APPEND);  // one write under PIPE_BUF: atomic with O_APPEND
    }
}

/** A prepared statement whose executions are counted (everything else passes through). */
final class CountedStatement
{
    public function __construct(private PDOStatement $st)
    {
    }

    public function execute(?array $params = null): bool
    {
        Truth::$statements++;
        return $this->st->execute($params);
    }

    public function __call(string $name, array $args): mixed
    {
        return $this->st->$name(...$args);
    }
}

/** PDO that counts the statements it sends: query() and exec() once each, a prepared one per execute(). */
final class CountedPDO extends PDO
{
    #[\ReturnTypeWillChange]
    public function prepare(string $query, array $options = []): CountedStatement
    {
        return new CountedStatement(parent::prepare($query, $options));
    }

    public function query(string $query, ?int $fetchMode = null, mixed ...$fetchModeArgs): PDOStatement|false
    {
        Truth::$statements++;
        return $fetchMode === null ? parent::query($query) : parent::query($query, $fetchMode, ...$fetchModeArgs);
    }

    public function exec(string $statement): int|false
    {
        Truth::$statements++;
        return parent::exec($statement);
    }
}

final class App
{
    private static ?PDO $db = null;
    private static ?Redis $redis = null;

    public static function db(): PDO
    {
        if (self::$db === null) {
            Truth::$connections++;
            self::$db = new CountedPDO(
                (string) getenv('LOANFLOW_DB_DSN'),
                (string) getenv('LOANFLOW_DB_USER'),
                (string) getenv('LOANFLOW_DB_PASS'),
                [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION, PDO::ATTR_PERSISTENT => Knobs::get('persistent_db') === 'on',
                 PDO::ATTR_DEFAULT_FETCH_MODE => PDO::FETCH_ASSOC, PDO::ATTR_TIMEOUT => 2,
                 PDO::ATTR_EMULATE_PREPARES => false]
            );
        }
        return self::$db;
    }

    private static ?PDO $reader = null;
    private static bool $readerDown = false;  // the replica failed once in this request: not tried again

    /**
     * Where the read-only pages read: the replica when the replica_reads knob is on (the scaled topology),
     * else the primary. A replica that cannot be reached falls back to the primary (knob replica_fallback),
     * as an app with a read/write split should; with the fallback off the read fails (500).
     */
    public static function reader(): PDO
    {
        if (Knobs::get('replica_reads') !== 'on' || self::$readerDown) {
            return self::db();
        }
        if (self::$reader === null) {
            try {
                Truth::$connections++;
                self::$reader = new CountedPDO(
                    (string) getenv('LOANFLOW_REPLICA_DSN'),
                    (string) getenv('LOANFLOW_DB_USER'),
                    (string) getenv('LOANFLOW_DB_PASS'),
                    [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION, PDO::ATTR_DEFAULT_FETCH_MODE => PDO::FETCH_ASSOC,
                     PDO::ATTR_TIMEOUT => 1, PDO::ATTR_EMULATE_PREPARES => false]
                );
            } catch (PDOException $e) {
                if (Knobs::get('replica_fallback') !== 'on') {
                    throw $e;
                }
                self::$readerDown = true;
                error_log('replica unreachable, reading the primary: ' . $e->getMessage());
                return self::db();
            }
        }
        return self::$reader;
    }

    public static function redis(): Redis
    {
        if (self::$redis === null) {
            $r = new Redis();
            $r->pconnect((string) getenv('LOANFLOW_REDIS_HOST'), (int) getenv('LOANFLOW_REDIS_PORT'), 0.5);
            $r->setOption(Redis::OPT_READ_TIMEOUT, 1.0);
            $pass = (string) getenv('LOANFLOW_REDIS_PASS');
            if ($pass !== '') {
                $r->auth($pass);
            }
            self::$redis = $r;
        }
        return self::$redis;
    }

    /**
     * Cache-aside: read Redis, fall back to the loader, store with a TTL.
     * With the cache knob off the app still looks in Redis but never stores,
     * like a cache with a broken key scheme: every read is a miss.
     */
    public static function cached(string $key, int $ttl, callable $loader): mixed
    {
        if (Knobs::get('use_redis') !== 'on') {
            return $loader();  // an app with no cache code at all
        }
        try {
            $hit = self::redis()->get($key);
            if ($hit !== false) {
                return json_decode($hit, true);
            }
        } catch (RedisException $e) {
            if (Knobs::get('redis_fallback') !== 'on') {
                throw $e;  // an app that cannot serve without its cache
            }
            return $loader();
        }
        $value = $loader();
        if (Knobs::get('cache') !== 'on') {
            return $value;
        }
        try {
            self::redis()->setex($key, $ttl, json_encode($value));
        } catch (RedisException $e) {
            // a cache that cannot be written is not an error for the reader
        }
        return $value;
    }

    public static function count(string $endpoint, int $status): void
    {
        if (Knobs::get('use_redis') !== 'on') {
            return;
        }
        try {
            self::redis()->hIncrBy('loanflow:metrics:requests', $endpoint . '|' . $status, 1);
        } catch (RedisException $e) {
        }
    }
}

function json_response(int $status, mixed $body, array $headers = []): void
{
    http_response_code($status);
    header('Content-Type: application/json');
    foreach ($headers as $name => $value) {
        header("$name: $value");
    }
    echo json_encode($body, JSON_UNESCAPED_SLASHES);
}

/** A worker that leaks: persistent (malloc'd, never freed) memory per request, touched so RSS grows. */
function leak_memory(int $kb): void
{
    if ($kb <= 0 || !class_exists('FFI')) {
        return;
    }
    $bytes = $kb * 1024;
    $block = FFI::new("char[$bytes]", false, true);
    FFI::memset($block, 0x5a, $bytes);
}
