package io.kvcache.slave.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.kvcache.slave.dispatch.StoreFixture;

/**
 * EVAL, EVALSHA, their _RO forms and SCRIPT on a slave beside a real redis-server, every reply
 * compared as bytes: the conversions between Lua and RESP both ways, error replies raised and
 * caught (with Redis 7's "script: sha, on @user_script:line." suffix), the sandbox's refusals,
 * shebang flags, read-only scripts and the script cache.
 */
class ScriptComparisonTests extends AgainstRedisServer {

    private final StoreFixture kvcache = new StoreFixture();

    @BeforeEach
    void flush() throws Exception {
        both("FLUSHALL");
        both("SCRIPT", "FLUSH");
        both("FUNCTION", "FLUSH");
    }

    @Test
    void returnValuesConvertAsRedisConvertsThem() throws Exception {
        both("EVAL", "return {1, 2.5, 'x', {ok='st'}, {err='ER e'}, true, false, nil, 5}", "0");
        both("EVAL", "return 3.99", "0");
        both("EVAL", "return -3.99", "0");
        both("EVAL", "return {true,false}", "0");
        both("EVAL", "return", "0");
        both("EVAL", "return nil", "0");
        both("EVAL", "return {}", "0");
        both("EVAL", "local t = {} t[1]=1 t[2]=2 t[4]=4 return t", "0");
        both("EVAL", "return {1,{2,{3,{4}}}}", "0");
        both("EVAL", "return redis.status_reply('FINE')", "0");
        both("EVAL", "return {ok='a\\r\\nb'}", "0");
        both("EVAL", "return {err='x\\r\\ny'}", "0");
        both("EVAL", "return redis.error_reply('My Error')", "0");
        both("EVAL", "return redis.error_reply('-X y')", "0");
        both("EVAL", "return redis.error_reply('Boom')", "0");
        both("EVAL", "return {err='WRONG thing'}", "0");
        both("EVAL", "return KEYS", "2", "a", "b", "c");
        both("EVAL", "return ARGV", "2", "a", "b", "c", "d");
        both("EVAL", "return #ARGV", "0", "a", "b");
        both("EVAL", "return string.format('%d-%s', 3, 'x')", "0");
        both("EVAL", "return ('abc'):upper()", "0");
        both("EVAL", "return unpack({1,2})", "0");
        both("EVAL", "return table.getn({1,2})", "0");
        both("EVAL", "return _VERSION", "0");
        both("EVAL", "return redis.sha1hex('')", "0");
        both("EVAL", "return redis.sha1hex('kvcache')", "0");
        both("EVAL", "return redis.REDIS_VERSION", "0");
        both("EVAL", "return {bit.band(7,3), bit.bor(1,2), bit.bxor(3,1), bit.bnot(0), bit.lshift(1,4), "
                + "bit.rshift(-1,28), bit.arshift(-16,2), bit.tohex(255), bit.tohex(255,-4), bit.tobit(4294967295)}", "0");
    }

    @Test
    void commandRepliesReachTheScriptAsRedisHandsThemOver() throws Exception {
        both("EVAL", "redis.call('rpush', KEYS[1], 'a', 'b') return redis.call('lrange', KEYS[1], 0, -1)", "1", "l");
        both("EVAL", "return redis.call('get', KEYS[1])", "1", "missing");
        both("EVAL", "return type(redis.call('get', KEYS[1]))", "1", "missing");
        both("EVAL", "return redis.call('hgetall', 'nohash')", "0");
        both("EVAL", "return redis.call('ping')", "0");
        both("EVAL", "return redis.call('set', 'k', 'v')", "0");
        both("EVAL", "return type(redis.call('set', 'k', 'v'))", "0");
        both("EVAL", "return redis.call('incrby', 'n', 5)", "0");
        both("EVAL", "redis.call('set', 'f', 0.1) return redis.call('get', 'f')", "0");
        both("EVAL", "redis.call('set', 'f', 0.1 + 0.2) return redis.call('get', 'f')", "0");
        both("EVAL", "redis.call('set', 'f', 1e20) return redis.call('get', 'f')", "0");
        both("EVAL", "redis.call('set', 'f', -3.0) return redis.call('get', 'f')", "0");
        both("EVAL", "redis.call('set', 'f', 1/0) return redis.call('get', 'f')", "0");
        both("EVAL", "return redis.call('mget', 'k', 'missing', 'f')", "0");
        both("EVAL", "return redis.pcall('lpush', 'k', 'x')", "0");
    }

    @Test
    void scriptsHandBinaryStringsThroughUnchanged() throws Exception {
        byte[] binary = {0, (byte) 0xff, '\r', '\n', (byte) 0x80, 'x', 0};
        bothBytes(ascii("EVAL"), ascii("redis.call('set', KEYS[1], ARGV[1]) return {redis.call('get', KEYS[1]), #ARGV[1]}"),
                ascii("1"), ascii("bin"), binary);
        both("GET", "bin");
        bothBytes(ascii("EVAL"), ascii("return {string.byte(ARGV[1], 1, -1)}"), ascii("0"), binary);
        bothBytes(ascii("EVAL"), ascii("return ARGV[1] .. string.char(0, 255)"), ascii("0"), binary);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Runs the command, given as bytes, on both; they must answer the same bytes. */
    private void bothBytes(byte[]... argv) throws Exception {
        String expected = new String(client.call(argv), StandardCharsets.ISO_8859_1);
        String actual = kvcache.batch(new io.kvcache.protocol.Request(argv));
        assertThat(actual).isEqualTo(expected);
    }

    @Test
    void errorsRaiseCatchAndReplyAsInRedis() throws Exception {
        both("SET", "str", "abc");
        both("EVAL", "return redis.call('incr', KEYS[1])", "1", "str");
        both("EVAL", "return redis.pcall('incr', KEYS[1])", "1", "str");
        both("EVAL", "local x = 1\n\nreturn redis.call('incr', 'str')", "0");
        both("EVAL", "redis.call('incr', 'str') return 1", "0");
        both("EVAL", "error('boom')", "0");
        both("EVAL", "error({err='tbl'})", "0");
        both("EVAL", "error('ERR custom')", "0");
        both("EVAL", "error('WRONGTYPE custom', 0)", "0");
        both("EVAL", "error()", "0");
        both("EVAL", "local function f()\n  error('deep')\nend\nf()", "0");
        both("EVAL", "local ok, e = pcall(function() return redis.call('nosuch') end) "
                + "return {tostring(ok), type(e), tostring(e)}", "0");
        both("EVAL", "local ok, e = pcall(redis.call, 'incr', 'str') return {tostring(ok), type(e), e}", "0");
        both("EVAL", "local e = redis.pcall('incr', 'str') return {type(e), e.err}", "0");
        both("EVAL", "local ok, e = pcall(error, {err='x'}) return {type(e), e}", "0");
        both("EVAL", "local ok, e = pcall(error, 'x') return e", "0");
        both("EVAL", "local ok, e = pcall(function() error('inner') end) return e", "0");
        both("EVAL", "return redis.call('nosuch')", "0");
        both("EVAL", "return redis.pcall('nosuch')", "0");
        both("EVAL", "return redis.call('get')", "0");
        both("EVAL", "return redis.call()", "0");
        both("EVAL", "return redis.call('set', 'f', true)", "0");
        both("EVAL", "return redis.call('get', {})", "0");
        both("EVAL", "return redis.error_reply()", "0");
    }

    @Test
    void luaRuntimeErrorsNameTheirCulpritAsLua51Does() throws Exception {
        both("EVAL", "local t = nil; return t.x", "0");
        both("EVAL", "local t = {} return t.a.b", "0");
        both("EVAL", "return nosuch.x", "0"); // the sandbox answers first
        both("EVAL", "local t = {} t.f()", "0");
        both("EVAL", "local t = {} t:m()", "0");
        both("EVAL", "local f f()", "0");
        both("EVAL", "return redis.nosuch()", "0");
        both("EVAL", "local x return x + 1", "0");
        both("EVAL", "local x return 1 + x", "0");
        both("EVAL", "local t = {} return t.n * 2", "0");
        both("EVAL", "local x return -x", "0");
        both("EVAL", "local x return #x", "0");
        both("EVAL", "local x return 'a' .. x", "0");
        both("EVAL", "local x return x .. 'a'", "0");
        both("EVAL", "local x = {} return x < 1", "0");
        both("EVAL", "return {} < {}", "0");
        both("EVAL", "local ok, e = pcall(function() local t return t.x end) return e", "0");
        both("EVAL", "local u\nlocal function f() return u.x end\nreturn f()", "0");
    }

    @Test
    void theSandboxRefusesWhatRedisRefuses() throws Exception {
        both("EVAL", "return a", "0");
        both("EVAL", "a = 1", "0");
        both("EVAL", "return type(os)", "0");
        both("EVAL", "return type(io)", "0");
        both("EVAL", "return loadstring", "0");
        both("EVAL", "rawset(_G, 'x', 1)", "0");
        both("EVAL", "setmetatable(_G, nil)", "0");
        both("EVAL", "return redis.call('multi')", "0");
        both("EVAL", "return redis.call('eval', 'return 1', 0)", "0");
        both("EVAL", "return redis.call('blpop', 'k', 0)", "0");
        both("EVAL", "return redis.pcall('config', 'get', 'maxmemory')", "0");
        both("EVAL", "return redis.pcall('script', 'exists', 'a')", "0");
        both("EVAL", "return redis.pcall('watch', 'k')", "0");
    }

    @Test
    void flagsAndReadOnlyScripts() throws Exception {
        both("EVAL", "#!lua flags=no-writes\nreturn redis.call('set','x','1')", "0");
        both("EVAL", "#!lua flags=no-writes\nreturn redis.call('get','x')", "0");
        both("EVAL", "#!lua flags=bogus\nreturn 1", "0");
        both("EVAL", "#!lua x=1\nreturn 1", "0");
        both("EVAL", "#!luax\nreturn 1", "0");
        both("EVAL", "#!lua\nreturn redis.call('set','x','1')", "0");
        both("EVAL", "#!lua flags=allow-oom,allow-stale\nreturn redis.call('get','x')", "0");
        both("EVAL_RO", "return redis.call('set','x','1')", "0");
        both("EVAL_RO", "return redis.call('get','x')", "0");
        both("EVAL_RO", "#!lua\nreturn 1", "0");
        both("EVAL_RO", "#!lua flags=no-writes\nreturn redis.call('get','x')", "0");
    }

    @Test
    void cjsonEncodesAndDecodesAsRedisBundlesIt() throws Exception {
        // Objects of one member only: the order of a table's members is Lua's, not defined.
        both("EVAL", "return cjson.encode({1,2,'a/b',true,false,{x=1}})", "0");
        both("EVAL", "return cjson.encode({})", "0");
        both("EVAL", "return cjson.encode({[1]=1,[3]=3})", "0");
        both("EVAL", "return cjson.encode({[1]=1,[30]=3})", "0");
        both("EVAL", "return cjson.encode({0.1, 1e20, 3, -2.5, 12345678901234567})", "0");
        both("EVAL", "return cjson.encode('a\"b\\\\c\\n\\1')", "0");
        both("EVAL", "return cjson.encode(cjson.null)", "0");
        both("EVAL", "return cjson.encode(1/0)", "0");
        both("EVAL", "return cjson.encode(function() end)", "0");
        both("EVAL", "return cjson.encode({[true]=1})", "0");
        both("EVAL", "return cjson.encode({a={b={c=1}}})", "0");
        both("EVAL", "return cjson.encode({[5]='x'})", "0");
        both("EVAL", "local t = cjson.decode('{\"a\":[1,2,{\"b\":null}],\"c\":\"x\\\\u00e9\"}') "
                + "return {t.a[1], t.a[2], type(t.a[3].b), t.c, tostring(t.a[3].b == cjson.null)}", "0");
        both("EVAL", "return cjson.decode('[1,2')", "0");
        both("EVAL", "return cjson.decode('{\"a\" 1}')", "0");
        both("EVAL", "return cjson.decode('nul')", "0");
        both("EVAL", "return cjson.decode('')", "0");
        both("EVAL", "return cjson.decode('1 2')", "0");
        both("EVAL", "return cjson.decode('3.5')", "0");
        both("EVAL", "return cjson.decode(' [true, false, \"s\", -1e2] ')", "0");
        both("EVAL", "return cjson.decode()", "0");
        both("EVAL", "return type(cjson.null)", "0");
        both("EVAL", "return cjson.encode(cjson.decode(ARGV[1]))", "0", "[1,\"two\",[3,{\"k\":\"v\"}]]");
    }

    @Test
    void cmsgpackAndStructPackAndUnpackAsRedisBundlesThem() throws Exception {
        both("EVAL", "local s = cmsgpack.pack(1, -1, 200, -200, 70000, -70000, 5000000000, -5000000000, 3.5, 0.1, "
                + "'abc', string.rep('x', 40), string.rep('y', 300), true, false, nil, {1,2,3}, {a=1}, {}, {1,nil,3}) "
                + "return {string.byte(s, 1, -1)}", "0");
        both("EVAL", "return {cmsgpack.unpack(cmsgpack.pack(1, 'x', {1,2}, 2.5, -7, {k='v'}))}", "0");
        both("EVAL", "local t = cmsgpack.unpack(cmsgpack.pack({a={b={1,2}}})) return t.a.b", "0");
        both("EVAL", "return cmsgpack.unpack('')", "0");
        both("EVAL", "return cmsgpack.unpack('\\205')", "0");
        both("EVAL", "return cmsgpack.unpack()", "0");
        both("EVAL", "return {cmsgpack.unpack_one(cmsgpack.pack(1,2,3), 0)}", "0");
        both("EVAL", "return {cmsgpack.unpack_one(cmsgpack.pack(1,2,3), 2)}", "0");
        both("EVAL", "return {cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), 2)}", "0");
        both("EVAL", "return {string.byte(struct.pack('>i2<I4bBhHlLdf', 1, 2, -3, 250, -4, 65000, -5, 6, 1.5, 2.5), "
                + "1, -1)}", "0");
        both("EVAL", "return {struct.unpack('>i2I4', struct.pack('>i2I4', -7, 9))}", "0");
        both("EVAL", "return struct.size('>i2I4d')", "0");
        both("EVAL", "return {struct.unpack('s', struct.pack('s', 'hey'))}", "0");
        both("EVAL", "return {struct.unpack('Bc0', struct.pack('Bc0', 3, 'abc'))}", "0");
        both("EVAL", "return {struct.unpack('c3c0', 'abc')}", "0");
        both("EVAL", "return struct.pack('q', 1)", "0");
        both("EVAL", "return {string.byte(struct.pack('!4 b i', 1, 2), 1, -1)}", "0");
        both("EVAL", "return {struct.unpack('>I4', 'ab')}", "0");
        both("EVAL", "return {struct.unpack('>I2', 'xxab', 3)}", "0");
    }

    private static final String LIBRARY = "#!lua name=mylib\n"
            + "redis.register_function('myfunc', function(keys, args) return {keys[1], args[1]} end)\n"
            + "redis.register_function{function_name='ro', callback=function(keys, args) "
            + "return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads'}\n"
            + "redis.register_function('boom', function(keys, args) error('bad') end)\n"
            + "redis.register_function('w', function(keys, args) return redis.call('set', keys[1], args[1]) end)\n";

    @Test
    void functionLibrariesLoadAndRunAsInRedis() throws Exception {
        both("FUNCTION", "LOAD", "return 1");
        both("FUNCTION", "LOAD", "#!lua\nreturn 1");
        both("FUNCTION", "LOAD", "#!lu name=x\nreturn 1");
        both("FUNCTION", "LOAD", "#!lua name=x foo=bar\nreturn 1");
        both("FUNCTION", "LOAD", "#!lua name=a-b\nreturn 1");
        both("FUNCTION", "LOAD", "#!lua name=x\nreturn 1");
        both("FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('f-1', function() end)");
        both("FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('f', 1)");
        both("FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('f', function() end) "
                + "redis.register_function('f', function() end)");
        both("FUNCTION", "LOAD", "#!lua name=x\nredis.call('set','a','b')");
        both("FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='g', callback=function() end, "
                + "flags={'bogus'}}");
        both("FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='g', callback=function() end, "
                + "foo=1}");
        assertThat(both("FUNCTION", "LOAD", LIBRARY)).isEqualTo("$5\r\nmylib\r\n");
        both("FUNCTION", "LOAD", LIBRARY);
        both("FUNCTION", "LOAD", "#!lua name=lib2\nredis.register_function('myfunc', function() end)");
        both("FUNCTION", "LOAD", "REPLACE", LIBRARY);
        both("FCALL", "myfunc", "1", "k1", "a1");
        both("FCALL", "nosuch", "0");
        both("FCALL_RO", "ro", "1", "k1");
        both("FCALL_RO", "w", "1", "k1", "v");
        both("FCALL", "w", "1", "k1", "v");
        both("FCALL_RO", "ro", "1", "k1");
        both("FCALL", "boom", "0");
        both("FCALL", "myfunc", "-1");
        both("FCALL", "myfunc", "x");
        both("FCALL", "myfunc", "3", "a");
        both("FCALL", "ro");
        both("EVAL", "return redis.call('fcall','ro',1,'k1')", "0");
        both("FUNCTION", "LIST", "LIBRARYNAME", "zz");
        both("FUNCTION", "LIST", "bogus");
        both("FUNCTION", "DELETE", "nosuch");
        both("FUNCTION", "KILL");
        both("FUNCTION", "bogus");
        both("FUNCTION");
        both("FUNCTION", "FLUSH", "a");
        both("FUNCTION", "RESTORE", "garbage");
        both("FUNCTION", "DELETE", "mylib");
        both("FCALL", "myfunc", "0");
    }

    @Test
    void aSingleFunctionLibraryListsDumpsAndRestoresAsInRedis() throws Exception {
        String lib = "#!lua name=one\nredis.register_function{function_name='only', callback=function(keys, args) "
                + "return #keys + #args end, flags={'no-writes', 'allow-oom'}, description='counts'}";
        both("FUNCTION", "LOAD", lib);
        both("FUNCTION", "LIST");
        both("FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "O*");
        both("FUNCTION", "STATS");
        both("FCALL_RO", "only", "2", "a", "b", "c");
        byte[] payload = client.call("FUNCTION", "DUMP");
        both("FUNCTION", "FLUSH");
        byte[] body = io.kvcache.protocol.Replies.bulk(payload);
        bothBytes(ascii("FUNCTION"), ascii("RESTORE"), body); // Redis's own payload (LZF inside) restores here too
        both("FCALL", "only", "0", "x");
        bothBytes(ascii("FUNCTION"), ascii("RESTORE"), body);
        bothBytes(ascii("FUNCTION"), ascii("RESTORE"), body, ascii("REPLACE"));
        bothBytes(ascii("FUNCTION"), ascii("RESTORE"), body, ascii("bogus"));
        assertThat(kvcache.call("FUNCTION", "DUMP")).startsWith("$");
        byte[] ours = io.kvcache.protocol.Replies.bulk(kvcache.call("FUNCTION", "DUMP").getBytes(StandardCharsets.ISO_8859_1));
        both("FUNCTION", "FLUSH");
        bothBytes(ascii("FUNCTION"), ascii("RESTORE"), ours, ascii("FLUSH")); // and ours restores in Redis
        both("FUNCTION", "LIST");
    }

    @Test
    void theScriptCacheAndItsCommands() throws Exception {
        both("EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0");
        both("EVALSHA", "abc", "0");
        assertThat(both("SCRIPT", "LOAD", "return ARGV[1]")).startsWith("$40");
        both("EVALSHA", "c6ed79dc49e2a02abaa55cbdf4e7a2c9c8cda2e1", "0", "hello");
        both("EVALSHA", "C6ED79DC49E2A02ABAA55CBDF4E7A2C9C8CDA2E1", "0", "hello");
        both("EVALSHA_RO", "c6ed79dc49e2a02abaa55cbdf4e7a2c9c8cda2e1", "0", "ro");
        both("SCRIPT", "EXISTS", "c6ed79dc49e2a02abaa55cbdf4e7a2c9c8cda2e1", "C6ED79DC49E2A02ABAA55CBDF4E7A2C9C8CDA2E1",
                "nope");
        both("EVAL", "return 'cached by eval'", "0");
        both("SCRIPT", "EXISTS", "0c6f13a8b41d9b2e5f6e51c1f1c7a0e8cfd1b9e1");
        both("SCRIPT", "FLUSH");
        both("SCRIPT", "EXISTS", "c6ed79dc49e2a02abaa55cbdf4e7a2c9c8cda2e1");
        both("EVALSHA", "c6ed79dc49e2a02abaa55cbdf4e7a2c9c8cda2e1", "0");
        both("SCRIPT", "FLUSH", "ASYNC");
        both("SCRIPT", "FLUSH", "a");
        both("SCRIPT", "KILL");
        both("SCRIPT", "KILL", "x");
        both("SCRIPT", "LOAD");
        both("SCRIPT", "EXISTS");
        both("SCRIPT", "bogus");
        both("SCRIPT");
        both("SCRIPT", "HELP");
        both("EVAL", "return 1", "-1");
        both("EVAL", "return 1", "5", "a");
        both("EVAL", "return 1", "abc");
        both("EVAL");
    }

    @Test
    void aScriptThatDoesNotCompileIsRefusedWithTheSamePrefix() throws Exception {
        // LuaJ words the parser's complaint its own way; the reply's code, text and position agree.
        String prefix = "-ERR Error compiling script (new function): user_script:1: ";
        assertThat(new String(client.call("EVAL", "return (", "0"), StandardCharsets.ISO_8859_1)).startsWith(prefix);
        assertThat(kvcache.call("EVAL", "return (", "0")).startsWith(prefix);
        assertThat(kvcache.call("SCRIPT", "LOAD", "return (")).startsWith(prefix);
    }

    @Test
    void aScriptCannotTakeTheHeapInOneCall() {
        // Redis would try to allocate it; kvcache's heap is the store's too (HeapGuard), so it refuses.
        assertThat(kvcache.call("EVAL", "return #string.rep('x', 2^50)", "0"))
                .startsWith("-ERR not enough memory script: ");
        assertThat(kvcache.call("EVAL", "return #string.rep('ab', 3)", "0")).isEqualTo(":6\r\n");
        assertThat(kvcache.call("PING")).isEqualTo("+PONG\r\n");
    }

    /** Runs the command on both; they must answer the same bytes. */
    private String both(String... argv) throws Exception {
        String expected = new String(client.call(argv), StandardCharsets.ISO_8859_1);
        String actual = kvcache.call(argv);
        assertThat(actual).as(String.join(" ", argv)).isEqualTo(expected);
        return actual;
    }
}
