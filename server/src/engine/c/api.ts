// What the ownership analysis knows about the Zend and libc APIs, in one table.
// Adding an API function is one row below; the analysis (ownership.ts) reads
// nothing else. Names are matched exactly against the callee identifier (or
// the macro name of a statement-like macro).
//
// PHP 5 vs 7+: PHP 5's `RETURN_STRING(s, dup)` / `RETVAL_STRINGL(s, l, dup)` /
// `add_assoc_string(z, k, s, dup)` took an extra `duplicate` argument: with 1
// they copied `s`, with 0 they took ownership of it (and efree()d it later).
// PHP 7+ dropped the argument and always copy. The `dupArg` column models this.

/** Where an allocation's memory comes from; decides its lifetime and its matching deallocator. */
export type Family =
  /** malloc/calloc/realloc/strdup: process memory, survives the request. */
  | 'libc'
  /** emalloc & co: Zend MM request heap, wiped at request end (not in long-running runtimes). */
  | 'zend-request'
  /** pemalloc(…, 1) & co: persistent Zend allocation (malloc underneath), survives the request. */
  | 'zend-persistent'
  /** A fresh zend_string on the request heap (zend_string_alloc/init(…, 0)). */
  | 'zend-string'
  /** A fresh persistent zend_string (zend_string_alloc/init(…, 1)): survives the request. */
  | 'zend-string-persistent'
  /**
   * A counted reference to a zend_string the caller must release: zend_string_copy(s)
   * (refcount + 1), zend_string_dup, zend_string_concat*, strpprintf… (c-refcount-leak).
   */
  | 'zend-string-ref'
  /** A counted reference held by a zval: ZVAL_COPY(&dst, src), Z_ADDREF_P(zv), zval_copy_ctor (c-refcount-leak). */
  | 'zval-ref';

export interface FamilyInfo {
  /** Shown in the hover: "libc heap (malloc): process memory". */
  label: string;
  /** 'process': survives the request; 'request': wiped at request end (php-fpm). */
  lifetime: 'process' | 'request';
  /** The deallocator to suggest, e.g. 'efree'. */
  release: string;
  /** Verb used in messages: "is never efree()d". */
  releasedVerb: string;
  /** A reference count taken by this function rather than a fresh block (c-refcount-leak reports it). */
  refcount?: boolean;
}

export const FAMILIES: Record<Family, FamilyInfo> = {
  libc: { label: 'libc heap (malloc): process memory', lifetime: 'process', release: 'free', releasedVerb: 'freed' },
  'zend-request': {
    label: 'Zend request heap (emalloc): request memory',
    lifetime: 'request',
    release: 'efree',
    releasedVerb: 'efree()d',
  },
  'zend-persistent': {
    label: 'Zend persistent heap (pemalloc(…, 1)): process memory',
    lifetime: 'process',
    release: 'pefree',
    releasedVerb: 'pefree()d',
  },
  'zend-string': {
    label: 'zend_string on the request heap: request memory',
    lifetime: 'request',
    release: 'zend_string_release',
    releasedVerb: 'released (zend_string_release)',
  },
  'zend-string-persistent': {
    label: 'persistent zend_string (…, 1): process memory',
    lifetime: 'process',
    release: 'zend_string_release',
    releasedVerb: 'released (zend_string_release)',
  },
  'zend-string-ref': {
    label: 'a counted zend_string reference (refcount + 1) on the request heap: request memory',
    lifetime: 'request',
    release: 'zend_string_release',
    releasedVerb: 'released (zend_string_release)',
    refcount: true,
  },
  'zval-ref': {
    label: 'a counted reference held by a zval (refcount + 1) on the request heap: request memory',
    lifetime: 'request',
    release: 'zval_ptr_dtor',
    releasedVerb: 'released (zval_ptr_dtor)',
    refcount: true,
  },
};

// ---------------------------------------------------------------- widely wrapped C libraries

/**
 * The allocation / release pairs of C libraries that extensions wrap (librdkafka, zstd,
 * libzmq, libyaml, GLib, libcurl, hiredis, OpenSSL's BIO and EVP contexts, libxml2). Their
 * names carry the library's prefix, so a row cannot match an unrelated function. Each
 * release is process memory (the libraries allocate with malloc): c-process-heap-leak.
 */
export const LIBRARIES: Record<
  string,
  {
    header: string;
    /** [allocator, its release, the out-argument it fills (else the result), how its result says it failed, the release takes the variable's address]. */
    pairs: Array<[alloc: string, release: string, outArg?: number, failsWhen?: Allocator['failsWhen'], byAddress?: boolean]>;
    /** Functions of the library that only read the pointers they are given (borrowers), like READERS. */
    readers?: string[];
  }
> = {
  librdkafka: {
    header: 'librdkafka/rdkafka.h',
    pairs: [
      ['rd_kafka_headers_new', 'rd_kafka_headers_destroy'],
      ['rd_kafka_headers_copy', 'rd_kafka_headers_destroy'],
      ['rd_kafka_topic_partition_list_new', 'rd_kafka_topic_partition_list_destroy'],
      ['rd_kafka_topic_partition_list_copy', 'rd_kafka_topic_partition_list_destroy'],
      ['rd_kafka_conf_dup', 'rd_kafka_conf_destroy'],
      ['rd_kafka_topic_conf_dup', 'rd_kafka_topic_conf_destroy'],
      ['rd_kafka_consume', 'rd_kafka_message_destroy'],
      ['rd_kafka_consumer_poll', 'rd_kafka_message_destroy'],
      ['rd_kafka_event_new', 'rd_kafka_event_destroy'],
      ['rd_kafka_queue_get_main', 'rd_kafka_queue_destroy'],
      ['rd_kafka_queue_new', 'rd_kafka_queue_destroy'],
      ['rd_kafka_AdminOptions_new', 'rd_kafka_AdminOptions_destroy'],
    ],
  },
  zstd: {
    header: 'zstd.h',
    pairs: [
      ['ZSTD_createCCtx', 'ZSTD_freeCCtx'],
      ['ZSTD_createDCtx', 'ZSTD_freeDCtx'],
      ['ZSTD_createCDict', 'ZSTD_freeCDict'],
      ['ZSTD_createDDict', 'ZSTD_freeDDict'],
      ['ZSTD_createCStream', 'ZSTD_freeCStream'],
      ['ZSTD_createDStream', 'ZSTD_freeDStream'],
    ],
  },
  libzmq: { header: 'zmq.h', pairs: [['zmq_msg_init', 'zmq_msg_close', 0, 'nonzero'], ['zmq_msg_init_size', 'zmq_msg_close', 0, 'nonzero']] },
  libyaml: {
    header: 'yaml.h',
    pairs: [
      ['yaml_parser_initialize', 'yaml_parser_delete', 0, 'zero'],
      ['yaml_emitter_initialize', 'yaml_emitter_delete', 0, 'zero'],
      ['yaml_parser_parse', 'yaml_event_delete', 1, 'zero'],
    ],
  },
  glib: {
    header: 'glib.h',
    pairs: [
      ['g_malloc', 'g_free'],
      ['g_malloc0', 'g_free'],
      ['g_strdup', 'g_free'],
      ['g_strndup', 'g_free'],
      ['g_strdup_printf', 'g_free'],
      ['g_new', 'g_free'],
      ['g_new0', 'g_free'],
      ['g_strsplit', 'g_strfreev'],
    ],
  },
  libcurl: {
    header: 'curl/curl.h',
    pairs: [
      ['curl_easy_init', 'curl_easy_cleanup'],
      ['curl_easy_escape', 'curl_free'],
      ['curl_easy_unescape', 'curl_free'],
      ['curl_url', 'curl_url_cleanup'],
      ['curl_mime_init', 'curl_mime_free'],
    ],
  },
  hiredis: { header: 'hiredis.h', pairs: [['redisCommand', 'freeReplyObject'], ['redisCommandArgv', 'freeReplyObject']] },
  openssl: {
    header: 'openssl/',
    pairs: [
      ['BIO_new', 'BIO_free'],
      ['BIO_new_mem_buf', 'BIO_free'],
      ['EVP_MD_CTX_new', 'EVP_MD_CTX_free'],
      ['EVP_MD_CTX_create', 'EVP_MD_CTX_destroy'],
      ['EVP_CIPHER_CTX_new', 'EVP_CIPHER_CTX_free'],
      ['EVP_PKEY_new', 'EVP_PKEY_free'],
      ['X509_new', 'X509_free'],
      ['PEM_read_bio_X509', 'X509_free'],
      ['BN_new', 'BN_free'],
    ],
  },
  // czmq / zyre (php-zmq's CZMQ and Zyre bindings): messages, frames and strings popped off them.
  czmq: {
    header: 'czmq.h',
    pairs: [
      ['zmsg_new', 'zmsg_destroy', undefined, undefined, true],
      ['zmsg_recv', 'zmsg_destroy', undefined, undefined, true],
      ['zmsg_dup', 'zmsg_destroy', undefined, undefined, true],
      ['zyre_recv', 'zmsg_destroy', undefined, undefined, true],
      ['zmsg_popstr', 'zstr_free', undefined, undefined, true],
      ['zstr_recv', 'zstr_free', undefined, undefined, true],
      ['zmsg_pop', 'zframe_destroy', undefined, undefined, true],
      ['zframe_new', 'zframe_destroy', undefined, undefined, true],
      ['zhash_new', 'zhash_destroy', undefined, undefined, true],
      ['zhash_unpack', 'zhash_destroy', undefined, undefined, true],
      ['zlist_new', 'zlist_destroy', undefined, undefined, true],
    ],
    readers: ['zmsg_size', 'zmsg_content_size', 'zmsg_popstr', 'zmsg_pop', 'zmsg_first', 'zmsg_next', 'zmsg_last', 'zmsg_print', 'zframe_data', 'zframe_size', 'zframe_strdup', 'zhash_lookup', 'zhash_size', 'zhash_foreach', 'zhash_first', 'zhash_next', 'zlist_size', 'zlist_first', 'zlist_next'],
  },
  // The ZooKeeper C client: vectors filled through an out-argument (0 = ZOK on success).
  zookeeper: {
    header: 'zookeeper.h',
    pairs: [
      ['zoo_get_children', 'deallocate_String_vector', 3, 'nonzero'],
      ['zoo_wget_children', 'deallocate_String_vector', 4, 'nonzero'],
      ['zoo_get_children2', 'deallocate_String_vector', 3, 'nonzero'],
      ['zoo_wget_children2', 'deallocate_String_vector', 4, 'nonzero'],
      ['zoo_get_acl', 'deallocate_ACL_vector', 2, 'nonzero'],
    ],
  },
  // libvips: buffers it returns are g_malloc'ed, images are GObjects.
  libvips: {
    header: 'vips/vips.h',
    pairs: [
      ['vips_image_write_to_memory', 'g_free'],
      ['vips_error_buffer_copy', 'g_free'],
      ['vips_image_new_from_file', 'g_object_unref'],
      ['vips_image_new_from_buffer', 'g_object_unref'],
      ['vips_image_new_from_memory', 'g_object_unref'],
      ['vips_image_new_memory', 'g_object_unref'],
      ['vips_image_copy_memory', 'g_object_unref'],
    ],
    readers: ['vips_image_get_width', 'vips_image_get_height', 'vips_image_get_bands', 'vips_image_get_format'],
  },
  // librabbitmq (php-amqp): the connect timeout is only read.
  librabbitmq: {
    header: 'amqp.h',
    pairs: [],
    readers: ['amqp_socket_open', 'amqp_socket_open_noblock', 'amqp_cstring_bytes', 'amqp_set_sockfd'],
  },
  libxml2: {
    header: 'libxml/',
    pairs: [
      ['xmlStrdup', 'xmlFree'],
      ['xmlGetProp', 'xmlFree'],
      ['xmlNodeGetContent', 'xmlFree'],
      ['xmlReadMemory', 'xmlFreeDoc'],
      ['xmlNewDoc', 'xmlFreeDoc'],
      ['xmlXPathNewContext', 'xmlXPathFreeContext'],
      ['xmlXPathEvalExpression', 'xmlXPathFreeObject'],
    ],
  },
};

function libraryAllocators(): Record<string, Allocator> {
  const out: Record<string, Allocator> = {};
  for (const lib of Object.values(LIBRARIES)) {
    for (const [a, release, outArg, failsWhen, byAddress] of lib.pairs) {
      out[a] = outArg === undefined ? { family: 'libc', release, ...(byAddress ? { releaseByAddress: true } : {}) } : { family: 'libc', release, outArg, releaseByAddress: true, failsWhen };
    }
  }
  return out;
}

function libraryDeallocators(): Record<string, Deallocator> {
  const out: Record<string, Deallocator> = {};
  for (const lib of Object.values(LIBRARIES)) for (const [, release] of lib.pairs) out[release] = { families: ['libc'], arg: 0 };
  return out;
}

/** How the allocated size is computed from the arguments (for messages only). */
export type SizeSpec =
  | { kind: 'arg'; index: number }
  | { kind: 'product'; indexes: number[] }
  /** safe_emalloc(nmemb, size, offset) = nmemb * size + offset */
  | { kind: 'safe'; nmemb: number; size: number; offset: number };

export interface Allocator {
  /**
   * The family, or a pair chosen by the persistent flag argument:
   * [family when the flag is 0, family when it is 1].
   */
  family: Family | [Family, Family];
  /** Index of the `persistent` argument (pemalloc(size, persistent)). */
  persistentArg?: number;
  /** realloc-like: this argument's old block is consumed (released into the new one). */
  reallocArg?: number;
  /** The block is returned through `*arg` (spprintf(&buf, …)) instead of the return value. */
  outArg?: number;
  /**
   * The result is the zval the `retval` field of this `zend_fcall_info` argument points at
   * (`fci.retval = &rv; zend_call_function(&fci, &fcc)`): an out-argument set beforehand.
   */
  fciArg?: number;
  /**
   * The reference is held by this argument's variable itself (`Z_ADDREF_P(zv)`,
   * `zval_copy_ctor(&tmp)`): the variable now owns one more reference.
   */
  bindArg?: number;
  size?: SizeSpec;
  /**
   * An out-argument allocator whose result says whether it filled the argument: `FAILURE`
   * (call_user_function), `nonzero` (getaddrinfo, zmq_msg_init: 0 is success), `zero`
   * (yaml_parser_parse, zend_call_method: 0 / NULL is failure), `negative` (vasprintf: below 0).
   * On the failure edge of a test of the call, nothing is owned.
   */
  failsWhen?: 'FAILURE' | 'nonzero' | 'zero' | 'negative';
  /**
   * When the call throws, it owns nothing: the engine leaves a call's return value UNDEF when the
   * function threw (zend_call_function), a failed conversion gives the interned empty string
   * (zval_get_string). A test of `EG(exception)` with no other call since then sees that.
   */
  nothingOnException?: boolean;
  /** The function that releases it when it is not the family's own (freeaddrinfo, ZSTD_freeCDict, php_url_free). */
  release?: string;
  /** The release takes the variable's address (`zmq_msg_close(&msg)`, `yaml_event_delete(&event)`). */
  releaseByAddress?: boolean;
  /** Replacement that keeps the memory on the request heap (quick fix), for libc allocators. */
  zendEquivalent?: string;
}

/** Allocators: the call's result (or *outArg) is a fresh block the caller owns. */
export const ALLOCATORS: Record<string, Allocator> = {
  // libc: process memory
  malloc: { family: 'libc', size: { kind: 'arg', index: 0 }, zendEquivalent: 'emalloc' },
  calloc: { family: 'libc', size: { kind: 'product', indexes: [0, 1] }, zendEquivalent: 'ecalloc' },
  realloc: { family: 'libc', reallocArg: 0, size: { kind: 'arg', index: 1 }, zendEquivalent: 'erealloc' },
  strdup: { family: 'libc', zendEquivalent: 'estrdup' },
  strndup: { family: 'libc', zendEquivalent: 'estrndup' },
  /** zend_strndup is malloc-based (used for persistent copies). */
  zend_strndup: { family: 'libc' },
  // Zend request heap
  emalloc: { family: 'zend-request', size: { kind: 'arg', index: 0 } },
  ecalloc: { family: 'zend-request', size: { kind: 'product', indexes: [0, 1] } },
  erealloc: { family: 'zend-request', reallocArg: 0, size: { kind: 'arg', index: 1 } },
  estrdup: { family: 'zend-request' },
  estrndup: { family: 'zend-request' },
  safe_emalloc: { family: 'zend-request', size: { kind: 'safe', nmemb: 0, size: 1, offset: 2 } },
  safe_erealloc: { family: 'zend-request', reallocArg: 0 },
  emalloc_safe: { family: 'zend-request' },
  /** spprintf(&buf, max, fmt, …): buf is emalloc'd. */
  spprintf: { family: 'zend-request', outArg: 0 },
  vspprintf: { family: 'zend-request', outArg: 0 },
  zend_spprintf: { family: 'zend-request', outArg: 0 },
  // persistent-flag allocators: [flag 0, flag 1]
  pemalloc: { family: ['zend-request', 'zend-persistent'], persistentArg: 1, size: { kind: 'arg', index: 0 } },
  pecalloc: {
    family: ['zend-request', 'zend-persistent'],
    persistentArg: 2,
    size: { kind: 'product', indexes: [0, 1] },
  },
  perealloc: { family: ['zend-request', 'zend-persistent'], persistentArg: 2, reallocArg: 0, size: { kind: 'arg', index: 1 } },
  pestrdup: { family: ['zend-request', 'zend-persistent'], persistentArg: 1 },
  pestrndup: { family: ['zend-request', 'zend-persistent'], persistentArg: 2 },
  safe_pemalloc: {
    family: ['zend-request', 'zend-persistent'],
    persistentArg: 3,
    size: { kind: 'safe', nmemb: 0, size: 1, offset: 2 },
  },
  // zend_string: fresh strings with refcount 1
  zend_string_alloc: { family: ['zend-string', 'zend-string-persistent'], persistentArg: 1 },
  zend_string_safe_alloc: { family: ['zend-string', 'zend-string-persistent'], persistentArg: 3 },
  zend_string_init: { family: ['zend-string', 'zend-string-persistent'], persistentArg: 2 },
  zend_string_dup: { family: ['zend-string-ref', 'zend-string-persistent'], persistentArg: 1 },
  zend_string_realloc: { family: ['zend-string', 'zend-string-persistent'], persistentArg: 2, reallocArg: 0 },
  zend_string_extend: { family: ['zend-string', 'zend-string-persistent'], persistentArg: 2, reallocArg: 0 },
  zend_string_truncate: { family: ['zend-string', 'zend-string-persistent'], persistentArg: 2, reallocArg: 0 },
  zend_string_safe_realloc: { family: ['zend-string', 'zend-string-persistent'], persistentArg: 4, reallocArg: 0 },
  zend_string_tolower: { family: 'zend-string' },
  zend_string_toupper: { family: 'zend-string' },
  // counted references (c-refcount-leak): the caller owns one reference and must release it
  zend_string_copy: { family: 'zend-string-ref' },
  zend_string_concat2: { family: 'zend-string-ref' },
  zend_string_concat3: { family: 'zend-string-ref' },
  zend_strpprintf: { family: 'zend-string-ref' },
  strpprintf: { family: 'zend-string-ref' },
  zend_strpprintf_unchecked: { family: 'zend-string-ref' },
  ZVAL_COPY: { family: 'zval-ref', outArg: 0 },
  ZVAL_DUP: { family: 'zval-ref', outArg: 0 },
  ZVAL_COPY_DEREF: { family: 'zval-ref', outArg: 0 },
  Z_ADDREF_P: { family: 'zval-ref', bindArg: 0 },
  Z_ADDREF: { family: 'zval-ref', bindArg: 0 },
  Z_TRY_ADDREF_P: { family: 'zval-ref', bindArg: 0 },
  Z_TRY_ADDREF: { family: 'zval-ref', bindArg: 0 },
  zval_copy_ctor: { family: 'zval-ref', bindArg: 0 },
  zval_opt_copy_ctor: { family: 'zval-ref', bindArg: 0 },
  // zval locals filled with a counted value: `zval tmp; array_init(&tmp);` owns it until
  // zval_ptr_dtor(&tmp) or a transfer (RETURN_ZVAL, add_assoc_zval, zend_hash_update…).
  array_init: { family: 'zval-ref', outArg: 0 },
  array_init_size: { family: 'zval-ref', outArg: 0 },
  object_init_ex: { family: 'zval-ref', outArg: 0, failsWhen: 'FAILURE' },
  object_init: { family: 'zval-ref', outArg: 0 },
  ZVAL_STRING: { family: 'zval-ref', outArg: 0 },
  ZVAL_STRINGL: { family: 'zval-ref', outArg: 0 },
  ZVAL_STR_COPY: { family: 'zval-ref', outArg: 0 },
  ZVAL_ARR_COPY: { family: 'zval-ref', outArg: 0 },
  ZVAL_NEW_ARR: { family: 'zval-ref', outArg: 0 },
  /** call_user_function(table, object, name, &retval, n, params): the return value is the caller's. */
  call_user_function: { family: 'zval-ref', outArg: 3, failsWhen: 'FAILURE', nothingOnException: true },
  call_user_function_ex: { family: 'zval-ref', outArg: 3, failsWhen: 'FAILURE', nothingOnException: true },
  zend_call_method_with_0_params: { family: 'zval-ref', outArg: 4, failsWhen: 'zero', nothingOnException: true },
  zend_call_method_with_1_params: { family: 'zval-ref', outArg: 4, failsWhen: 'zero', nothingOnException: true },
  zend_call_method_with_2_params: { family: 'zval-ref', outArg: 4, failsWhen: 'zero', nothingOnException: true },
  zend_call_method: { family: 'zval-ref', outArg: 5, failsWhen: 'zero', nothingOnException: true },
  /** zend_call_function(&fci, &fcc) fills the zval `fci.retval` points at. */
  zend_call_function: { family: 'zval-ref', fciArg: 0, failsWhen: 'FAILURE', nothingOnException: true },
  zend_fcall_info_call: { family: 'zval-ref', outArg: 2, failsWhen: 'FAILURE', nothingOnException: true },
  zend_call_known_function: { family: 'zval-ref', outArg: 3, nothingOnException: true },
  zend_call_known_instance_method: { family: 'zval-ref', outArg: 2, nothingOnException: true },
  zend_call_known_instance_method_with_0_params: { family: 'zval-ref', outArg: 2, nothingOnException: true },
  zend_call_known_instance_method_with_1_params: { family: 'zval-ref', outArg: 2, nothingOnException: true },
  zend_call_known_instance_method_with_2_params: { family: 'zval-ref', outArg: 2, nothingOnException: true },
  /** PHP 5: MAKE_STD_ZVAL(zv) / ALLOC_ZVAL(zv) assign an emalloc'd zval to zv. */
  MAKE_STD_ZVAL: { family: 'zval-ref', bindArg: 0 },
  ALLOC_INIT_ZVAL: { family: 'zval-ref', bindArg: 0 },
  /** ALLOC_HASHTABLE(ht): ht = emalloc(sizeof(HashTable)), released by FREE_HASHTABLE / zend_hash_destroy + efree. */
  ALLOC_HASHTABLE: { family: 'zend-request', bindArg: 0, release: 'FREE_HASHTABLE' },
  zend_new_array: { family: 'zend-request', release: 'zend_array_destroy' },
  zend_array_dup: { family: 'zend-request', release: 'zend_array_destroy' },
  // Results of PHP's string, URL and zval helpers that the caller must release.
  zval_get_string: { family: 'zend-string-ref', nothingOnException: true },
  zval_get_string_func: { family: 'zend-string-ref', nothingOnException: true },
  zval_try_get_string: { family: 'zend-string-ref' },
  zval_try_get_string_func: { family: 'zend-string-ref' },
  php_str_to_str: { family: 'zend-string' },
  php_trim: { family: 'zend-string' },
  php_addslashes: { family: 'zend-string' },
  php_addcslashes: { family: 'zend-string' },
  php_escape_html_entities: { family: 'zend-string' },
  php_escape_html_entities_ex: { family: 'zend-string' },
  php_url_encode: { family: 'zend-string' },
  php_raw_url_encode: { family: 'zend-string' },
  php_base64_encode: { family: 'zend-string' },
  php_base64_decode: { family: 'zend-string' },
  php_base64_decode_ex: { family: 'zend-string' },
  php_string_tolower: { family: 'zend-string' },
  php_string_toupper: { family: 'zend-string' },
  zend_string_tolower_ex: { family: ['zend-string', 'zend-string-persistent'], persistentArg: 1 },
  php_basename: { family: 'zend-string' },
  /** number_format()'s helpers: a fresh string (PHP 7+; PHP 5 returned an emalloc'd char *, also request memory). */
  _php_math_number_format: { family: 'zend-string' },
  _php_math_number_format_ex: { family: 'zend-string' },
  php_url_parse: { family: 'zend-request', release: 'php_url_free' },
  php_url_parse_ex: { family: 'zend-request', release: 'php_url_free' },
  php_url_parse_ex2: { family: 'zend-request', release: 'php_url_free' },
  // libc resources: process memory behind a handle, released by their own function.
  getaddrinfo: { family: 'libc', outArg: 3, release: 'freeaddrinfo', failsWhen: 'nonzero' },
  fopen: { family: 'libc', release: 'fclose' },
  fdopen: { family: 'libc', release: 'fclose' },
  opendir: { family: 'libc', release: 'closedir' },
  popen: { family: 'libc', release: 'pclose' },
  asprintf: { family: 'libc', outArg: 0, failsWhen: 'negative' },
  vasprintf: { family: 'libc', outArg: 0, failsWhen: 'negative' },
  realpath: { family: 'libc' },
  ...libraryAllocators(),
};

export interface Deallocator {
  /** Families this call releases correctly; others are a mismatch. A pair is chosen by persistentArg. */
  families: Family[] | [Family[], Family[]];
  /** The argument holding the block. */
  arg: number;
  persistentArg?: number;
}

const REQ_STR: Family[] = ['zend-string', 'zend-string-ref'];
const ANY_STR: Family[] = ['zend-string', 'zend-string-persistent', 'zend-string-ref'];
/** zval_ptr_dtor() also releases a zend_string reference (it is what a zval holding it would do). */
const ZVAL: Family[] = ['zval-ref', 'zend-string-ref'];

/** Deallocators: the argument's block is released. */
export const DEALLOCATORS: Record<string, Deallocator> = {
  /** free() also releases pemalloc(…, 1) blocks (they are malloc'd underneath). */
  free: { families: ['libc', 'zend-persistent', 'zend-string-persistent'], arg: 0 },
  /** efree() on a fresh request zend_string is what zend_string_efree() does: accepted. */
  efree: { families: ['zend-request', 'zend-string'], arg: 0 },
  efree_size: { families: ['zend-request'], arg: 0 },
  efree_large: { families: ['zend-request'], arg: 0 },
  pefree: { families: [['zend-request', 'zend-string'], ['zend-persistent', 'libc', 'zend-string-persistent']], arg: 0, persistentArg: 1 },
  pefree_size: { families: [['zend-request'], ['zend-persistent', 'libc']], arg: 0, persistentArg: 2 },
  zend_string_release: { families: ANY_STR, arg: 0 },
  zend_string_release_ex: { families: [REQ_STR, ['zend-string-persistent', 'zend-string-ref']], arg: 0, persistentArg: 1 },
  zend_string_free: { families: ANY_STR, arg: 0 },
  zend_string_efree: { families: REQ_STR, arg: 0 },
  zend_string_delref: { families: ANY_STR, arg: 0 },
  /** Releases the temporary zval_get_tmp_string() made (NULL when none). */
  zend_tmp_string_release: { families: ANY_STR, arg: 0 },
  zval_ptr_dtor: { families: ZVAL, arg: 0 },
  zval_ptr_dtor_nogc: { families: ZVAL, arg: 0 },
  zval_ptr_dtor_str: { families: ZVAL, arg: 0 },
  zval_dtor: { families: ZVAL, arg: 0 },
  zval_internal_ptr_dtor: { families: ZVAL, arg: 0 },
  i_zval_ptr_dtor: { families: ZVAL, arg: 0 },
  Z_DELREF_P: { families: ZVAL, arg: 0 },
  Z_DELREF: { families: ZVAL, arg: 0 },
  Z_TRY_DELREF_P: { families: ZVAL, arg: 0 },
  Z_TRY_DELREF: { families: ZVAL, arg: 0 },
  FREE_HASHTABLE: { families: ['zend-request'], arg: 0 },
  zend_array_destroy: { families: ['zend-request'], arg: 0 },
  zend_hash_release: { families: ['zend-request'], arg: 0 },
  php_url_free: { families: ['zend-request'], arg: 0 },
  freeaddrinfo: { families: ['libc'], arg: 0 },
  fclose: { families: ['libc'], arg: 0 },
  closedir: { families: ['libc'], arg: 0 },
  pclose: { families: ['libc'], arg: 0 },
  smart_str_free: { families: ['zend-string'], arg: 0 },
  ...libraryDeallocators(),
};

/**
 * Ownership transfers: after the call the block belongs to someone else
 * (the return value, a zval, a hash table). `arg` is the argument moved.
 * `returns`: the macro also returns from the function.
 */
export interface Transfer {
  arg: number;
  returns?: boolean;
  /**
   * RETURN_ZVAL(zv, copy, dtor) / RETVAL_ZVAL / ZVAL_ZVAL: with copy = 1 and
   * dtor = 0 the macro only copies (the caller keeps its reference); any other
   * combination moves it. [copy argument, dtor argument].
   */
  copyDtorArgs?: [number, number];
}

export const TRANSFERS: Record<string, Transfer> = {
  RETURN_STR: { arg: 0, returns: true },
  RETURN_NEW_STR: { arg: 0, returns: true },
  RETURN_INTERNED_STR: { arg: 0, returns: true },
  RETVAL_STR: { arg: 0 },
  RETVAL_NEW_STR: { arg: 0 },
  RETVAL_INTERNED_STR: { arg: 0 },
  ZVAL_STR: { arg: 1 },
  ZVAL_NEW_STR: { arg: 1 },
  ZVAL_INTERNED_STR: { arg: 1 },
  ZVAL_PTR: { arg: 1 },
  add_assoc_str: { arg: 2 },
  add_assoc_str_ex: { arg: 3 },
  add_next_index_str: { arg: 1 },
  add_index_str: { arg: 2 },
  add_property_str: { arg: 2 },
  /** Objects: the objects store owns the block holding the zend_object (freed by its free_obj handler). */
  zend_object_std_init: { arg: 0 },
  ZVAL_OBJ: { arg: 1 },
  RETVAL_OBJ: { arg: 0 },
  RETURN_OBJ: { arg: 0, returns: true },
  // zvals (c-refcount-leak): the reference moves into the return value, the array or the hash
  RETURN_ZVAL: { arg: 0, returns: true, copyDtorArgs: [1, 2] },
  RETVAL_ZVAL: { arg: 0, copyDtorArgs: [1, 2] },
  ZVAL_ZVAL: { arg: 1, copyDtorArgs: [2, 3] },
  RETURN_COPY_VALUE: { arg: 0, returns: true },
  RETVAL_COPY_VALUE: { arg: 0 },
  ZVAL_COPY_VALUE: { arg: 1 },
  add_assoc_zval: { arg: 2 },
  add_assoc_zval_ex: { arg: 3 },
  add_next_index_zval: { arg: 1 },
  add_index_zval: { arg: 2 },
  zend_hash_update: { arg: 2 },
  zend_hash_str_update: { arg: 3 },
  zend_hash_index_update: { arg: 2 },
  zend_hash_add: { arg: 2 },
  zend_hash_add_new: { arg: 2 },
  zend_hash_str_add: { arg: 3 },
  zend_hash_str_add_new: { arg: 3 },
  zend_hash_index_add: { arg: 2 },
  zend_hash_index_add_new: { arg: 2 },
  zend_hash_next_index_insert: { arg: 1 },
  zend_hash_next_index_insert_new: { arg: 1 },
  zend_symtable_update: { arg: 2 },
  // The *_ptr variants store a pointer the hash now owns (its destructor frees it); the key is copied.
  zend_hash_update_ptr: { arg: 2 },
  zend_hash_str_update_ptr: { arg: 3 },
  zend_hash_index_update_ptr: { arg: 2 },
  zend_hash_add_ptr: { arg: 2 },
  zend_hash_add_new_ptr: { arg: 2 },
  zend_hash_str_add_ptr: { arg: 3 },
  zend_hash_str_add_new_ptr: { arg: 3 },
  zend_hash_index_add_ptr: { arg: 2 },
  zend_hash_index_add_new_ptr: { arg: 2 },
  zend_hash_next_index_insert_ptr: { arg: 1 },
  zend_symtable_str_update: { arg: 3 },
  RETURN_ARR: { arg: 0, returns: true },
  RETVAL_ARR: { arg: 0 },
  ZVAL_ARR: { arg: 1 },
};

/**
 * Calls that take over a zend_string argument without a reference of their own (the caller's
 * reference moves), by argument index: a string given to them is handed over, not lent (the
 * default for a string given to a function the analysis does not know). Several are
 * function-pointer variables (zend_new_interned_string, zend_string_init_interned), so no
 * declaration of theirs is ever seen. (zend_string_init_interned, also a pointer, takes a char *.)
 */
export const STRING_CONSUMERS: Record<string, number[]> = {
  // interned strings: the argument is consumed and the interned copy returned
  zend_new_interned_string: [0],
  zend_interned_string_find_permanent: [0],
  // reallocation: the argument is consumed and the new string returned
  zend_string_realloc: [0],
  zend_string_extend: [0],
  zend_string_truncate: [0],
  zend_string_safe_realloc: [0],
  // stores into a class's property / constant tables (the doc comment and name are kept)
  zend_declare_typed_property: [1, 4],
  zend_declare_property_ex: [1, 4],
  zend_declare_class_constant_ex: [1, 4],
  zend_declare_typed_class_constant: [1, 4],
};

/**
 * Copying sinks: they copy the string and leave the caller owning its block.
 * `dupArg`: PHP 5's `duplicate` argument; when present and 0, the sink took
 * ownership instead (a transfer). `returns`: the macro returns.
 */
export interface CopySink {
  arg: number;
  dupArg?: number;
  returns?: boolean;
}

export const COPIES: Record<string, CopySink> = {
  RETURN_STRING: { arg: 0, dupArg: 1, returns: true },
  RETURN_STRINGL: { arg: 0, dupArg: 2, returns: true },
  RETVAL_STRING: { arg: 0, dupArg: 1 },
  RETVAL_STRINGL: { arg: 0, dupArg: 2 },
  RETURN_STR_COPY: { arg: 0, returns: true },
  RETVAL_STR_COPY: { arg: 0 },
  ZVAL_STRING: { arg: 1, dupArg: 2 },
  ZVAL_STRINGL: { arg: 1, dupArg: 3 },
  ZVAL_STR_COPY: { arg: 1 },
  RETURN_COPY: { arg: 0, returns: true },
  RETVAL_COPY: { arg: 0 },
  RETURN_COPY_DEREF: { arg: 0, returns: true },
  RETVAL_COPY_DEREF: { arg: 0 },
  add_assoc_string: { arg: 2, dupArg: 3 },
  add_assoc_stringl: { arg: 2, dupArg: 4 },
  add_next_index_string: { arg: 1, dupArg: 2 },
  add_next_index_stringl: { arg: 1, dupArg: 3 },
  add_index_string: { arg: 2, dupArg: 3 },
  add_property_string: { arg: 2, dupArg: 3 },
};

/**
 * Functions that only read or write through the pointer and keep no reference
 * to it (the block stays owned by the caller). Any other call that receives a
 * tracked pointer is treated as an escape (it may keep it): no false alarms.
 */
export const READERS = new Set<string>([
  'memset', 'memcpy', 'memmove', 'memcmp', 'memchr', 'bzero', 'explicit_bzero',
  'strlen', 'strnlen', 'strcpy', 'strncpy', 'strlcpy', 'strcat', 'strncat', 'strlcat',
  'strcmp', 'strncmp', 'strcasecmp', 'strncasecmp', 'strchr', 'strrchr', 'strstr', 'strspn', 'strcspn',
  'sprintf', 'snprintf', 'vsnprintf', 'vsprintf', 'printf', 'fprintf', 'puts', 'fputs', 'fwrite', 'fread', 'write', 'read',
  'sscanf', 'atoi', 'atol', 'strtol', 'strtoul', 'strtod', 'tolower', 'toupper',
  'php_printf', 'php_error_docref', 'zend_error', 'zend_throw_error', 'zend_throw_exception', 'zend_throw_exception_ex',
  'zend_argument_value_error', 'zend_value_error', 'zend_type_error', 'php_write', 'PHPWRITE', 'PUTS',
  'zend_str_tolower', 'php_strtolower', 'php_strtoupper', 'zend_strlcpy', 'zend_strlcat', 'slprintf', 'snprintf_s',
  'ZSTR_VAL', 'ZSTR_LEN', 'ZSTR_H', 'zend_string_hash_val', 'zend_string_equals', 'zend_string_equal_content',
  'zend_string_equals_literal', 'zend_hash_find', 'zend_hash_str_find', 'zend_hash_exists', 'zend_hash_str_exists',
  'zend_symtable_find', 'php_base64_encode', 'php_base64_decode', 'zend_string_forget_hash_val', 'ZSTR_IS_INTERNED',
  'UNEXPECTED', 'EXPECTED', 'ZEND_ASSERT', 'assert', 'smart_str_appendl', 'smart_str_appends', 'smart_str_append',
  'php_var_dump', 'zend_print_zval_r', 'strtok_r', 'crc32', 'php_crc32_bulk_update', 'md5', 'PHP_MD5Update', 'PHP_SHA1Update',
  // zval accessors
  'Z_TYPE', 'Z_TYPE_P', 'Z_STRVAL', 'Z_STRVAL_P', 'Z_STRLEN', 'Z_STRLEN_P', 'Z_STR', 'Z_STR_P', 'Z_LVAL', 'Z_LVAL_P',
  'Z_DVAL', 'Z_DVAL_P', 'Z_ARRVAL', 'Z_ARRVAL_P', 'Z_OBJ', 'Z_OBJ_P', 'Z_OBJCE', 'Z_OBJCE_P', 'Z_REFCOUNTED', 'Z_REFCOUNTED_P',
  'Z_REFCOUNT', 'Z_REFCOUNT_P', 'Z_ISREF', 'Z_ISREF_P', 'Z_ISUNDEF', 'Z_ISUNDEF_P', 'Z_ISNULL', 'Z_ISNULL_P', 'Z_TYPE_INFO',
  'Z_TYPE_INFO_P', 'zend_is_true', 'zend_hash_num_elements', 'zend_array_count', 'zval_get_long', 'zval_get_double',
  'php_debug_zval_dump', 'zend_is_identical', 'zend_compare', 'zend_is_callable',
  // Zend hash tables: lookups read the key; the *_mem variants copy the block they are given.
  'zend_hash_find_ptr', 'zend_hash_str_find_ptr', 'zend_hash_index_find', 'zend_hash_index_find_ptr', 'zend_hash_index_exists',
  'zend_hash_str_find_deref', 'zend_hash_find_deref', 'zend_symtable_str_find', 'zend_symtable_exists', 'zend_hash_del',
  'zend_hash_str_del', 'zend_hash_index_del', 'zend_symtable_del', 'zend_symtable_str_del', 'zend_hash_init', 'zend_hash_clean',
  'zend_hash_update_mem', 'zend_hash_str_update_mem', 'zend_hash_add_mem', 'zend_hash_str_add_mem', 'zend_hash_index_update_mem',
  'zend_hash_index_add_mem', 'zend_hash_next_index_insert_mem', 'zend_hash_copy', 'zend_hash_internal_pointer_reset',
  'zend_lookup_class', 'zend_fetch_class', 'zend_fetch_class_by_name', 'zend_get_constant', 'zend_get_constant_str',
  'zend_read_property', 'zend_update_property_string', 'zend_update_property_stringl', 'zend_update_property_long',
  'zend_str_tolower_copy', 'zend_binary_strcasecmp', 'zend_binary_strcmp', 'php_memnstr', 'zend_memnstr', 'zend_memrchr',
  'zend_string_equals_ci', 'zend_string_equals_literal_ci',
  'php_stream_write', 'php_stream_read', 'php_stream_gets', 'php_stream_printf', 'php_stream_open_wrapper', 'php_stream_open_wrapper_ex',
  'php_stream_xport_create', 'zend_parse_parameters', 'zend_parse_parameters_ex', 'zend_parse_method_parameters',
  'smart_str_appendc', 'smart_str_append_long', 'smart_str_0', 'php_var_export_ex', 'php_json_encode', 'php_json_decode_ex',
  // libc / POSIX: they read or fill the buffer and keep no pointer to it.
  'poll', 'select', 'unlink', 'open', 'stat', 'lstat', 'access', 'rename', 'mkdir', 'rmdir', 'chdir', 'getenv', 'recv', 'send',
  'recvfrom', 'sendto', 'inet_pton', 'inet_ntop', 'connect', 'bind', 'gethostbyname', 'strerror_r', 'fgets',
  'strcoll', 'strpbrk', 'strtoll', 'strtoull', 'qsort', 'bsearch', 'fputc', 'fflush', 'fseek', 'ftell', 'feof', 'ferror',
  'ZEND_STRL', 'ZEND_STRS', 'ZSTR_IS_INTERNED', 'zend_string_addref', 'zend_hash_str_find_ptr_lc', 'zend_string_equals_cstr',
  'ZSTR_HASH', 'Z_OBJ_HANDLE', 'Z_OBJ_HANDLE_P', 'Z_RES_HANDLE', 'Z_RES_HANDLE_P',
  // Properties: the object's write_property handler adds a reference of its own (or copies), so the
  // caller keeps its zval / zend_string and still releases it (unlike add_property_str, a transfer).
  'zend_update_property', 'zend_update_property_ex', 'zend_update_property_str', 'zend_update_static_property',
  'zend_update_static_property_ex', 'zend_update_static_property_str', 'zend_update_static_property_string',
  'zend_update_static_property_stringl', 'add_property_zval', 'add_property_zval_ex',
  // Scalar stores into a by-reference argument: they read the value and assign nothing else
  // (`ZEND_TRY_ASSIGN_REF_BOOL(success, result)` leaves `result`, a flag the path knows, alone).
  'ZEND_TRY_ASSIGN_REF_BOOL', 'ZEND_TRY_ASSIGN_REF_LONG', 'ZEND_TRY_ASSIGN_REF_DOUBLE', 'ZEND_TRY_ASSIGN_REF_NULL',
  'ZEND_TRY_ASSIGN_REF_TRUE', 'ZEND_TRY_ASSIGN_REF_FALSE', 'ZEND_TRY_ASSIGN_BOOL', 'ZEND_TRY_ASSIGN_LONG',
  'ZEND_TRY_ASSIGN_DOUBLE', 'ZEND_TRY_ASSIGN_NULL', 'ZEND_TRY_ASSIGN_TRUE', 'ZEND_TRY_ASSIGN_FALSE',
]);

/**
 * Macros storing a scalar into a zval (`ZVAL_UNDEF(&z)`, `ZVAL_NULL(zv)`): a counted value the
 * zval held before is dropped without being released.
 */
export const ZVAL_SCALAR_SETTERS = new Set<string>([
  'ZVAL_UNDEF', 'ZVAL_NULL', 'ZVAL_FALSE', 'ZVAL_TRUE', 'ZVAL_BOOL', 'ZVAL_LONG', 'ZVAL_DOUBLE',
]);

/**
 * Allocator rows that always store a counted value (an array, an object, a string) into their
 * zval (unlike a call's return value, or ZVAL_COPY's copy, which may be a scalar): storing over
 * such a zval before releasing it loses that value.
 */
export const ZVAL_MAKERS = new Set<string>([
  'array_init', 'array_init_size', 'object_init_ex', 'object_init', 'ZVAL_STRING', 'ZVAL_STRINGL', 'ZVAL_NEW_ARR',
  'ZVAL_ARR_COPY', 'ZVAL_STR_COPY',
]);
// The wrapped libraries' borrowers (LIBRARIES[…].readers).
for (const lib of Object.values(LIBRARIES)) for (const r of lib.readers ?? []) READERS.add(r);

/** Statement-like macros and calls that return from the function. */
export const RETURNING_MACROS = new Set<string>([
  'RETURN_TRUE', 'RETURN_FALSE', 'RETURN_NULL', 'RETURN_BOOL', 'RETURN_LONG', 'RETURN_DOUBLE', 'RETURN_EMPTY_STRING',
  'RETURN_EMPTY_ARRAY', 'RETURN_ZVAL', 'RETURN_COPY', 'RETURN_COPY_VALUE', 'RETURN_COPY_DEREF', 'RETURN_OBJ',
  'RETURN_OBJ_COPY', 'RETURN_ARR', 'RETURN_RES', 'RETURN_THROWS', 'RETURN_CHAR', 'RETURN_INTERNED_STR',
  'RETURN_STRING', 'RETURN_STRINGL', 'RETURN_STR', 'RETURN_NEW_STR', 'RETURN_STR_COPY', 'RETURN_RESOURCE',
  'RETURN_OBJ_COPY', 'RETURN_ZVAL_FAST', 'RETURN_LONG_FAST', 'RETURN_UNDEF', 'RETURN_NULL_FAST',
]);

/**
 * Macros that may return early (parameter parsing failed). They are modelled
 * as a branch: continue, or return.
 */
export const MAYBE_RETURNING_MACROS = new Set<string>([
  'ZEND_PARSE_PARAMETERS_END', 'ZEND_PARSE_PARAMETERS_NONE', 'ZEND_PARSE_PARAMETERS_END_EX',
]);

/** Calls that never return (bail out, abort): a path ending there leaks nothing we report. */
export const NORETURN = new Set<string>([
  'zend_error_noreturn', 'zend_bailout', 'abort', 'exit', '_exit', 'ZEND_UNREACHABLE', 'EMPTY_SWITCH_DEFAULT_CASE',
  'zend_out_of_memory', 'zend_error_noreturn_unchecked', 'php_error_noreturn',
]);

/**
 * Error calls that bail out when their type argument (this index) is a fatal error no handler can
 * catch: `zend_error(E_ERROR, …)` longjmps out of the request like zend_error_noreturn, so the code
 * after it never runs (the request heap is wiped by the bail-out). Other types return normally.
 */
export const FATAL_ERROR_CALLS: Record<string, number> = { zend_error: 0, php_error_docref: 1, php_error_docref1: 2, php_error_docref2: 3 };
export const FATAL_ERROR_TYPES = new Set<string>(['E_ERROR', 'E_CORE_ERROR', 'E_COMPILE_ERROR', 'E_PARSE']);

/** Statement macros opening a loop whose body is the following block (closed by *_FOREACH_END()). */
export function isForeachMacro(name: string): boolean {
  return /^ZEND_HASH_(MAP_|PACKED_)?(REVERSE_)?FOREACH/.test(name) && !name.endsWith('_END');
}

/** Function-defining macros whose body runs inside a request (PHP_FUNCTION, PHP_METHOD, …). */
export const REQUEST_MACROS = new Set<string>([
  'PHP_FUNCTION', 'PHP_METHOD', 'ZEND_FUNCTION', 'ZEND_METHOD', 'PHP_NAMED_FUNCTION', 'ZEND_NAMED_FUNCTION',
  'PHP_RINIT_FUNCTION', 'ZEND_RINIT_FUNCTION',
]);

/**
 * Lifecycle macros: MINIT/MSHUTDOWN run once per process, so process memory
 * made there (kept in a global) is correct. RSHUTDOWN/MINFO are not analysed
 * either. (RINIT is request code: see REQUEST_MACROS.)
 */
export const LIFECYCLE_MACROS = new Set<string>([
  'PHP_MINIT_FUNCTION', 'PHP_MSHUTDOWN_FUNCTION', 'PHP_RSHUTDOWN_FUNCTION', 'PHP_MINFO_FUNCTION',
  'ZEND_MINIT_FUNCTION', 'ZEND_MSHUTDOWN_FUNCTION', 'ZEND_RSHUTDOWN_FUNCTION', 'ZEND_MINFO_FUNCTION',
  'PHP_GINIT_FUNCTION', 'PHP_GSHUTDOWN_FUNCTION', 'ZEND_GINIT_FUNCTION', 'ZEND_GSHUTDOWN_FUNCTION',
  'ZEND_MODULE_STARTUP_D', 'ZEND_MODULE_SHUTDOWN_D', 'ZEND_MODULE_INFO_D', 'ZEND_MODULE_POST_ZEND_DEACTIVATE_D',
  'ZEND_GET_MODULE', 'ZEND_TSRMLS_CACHE_DEFINE',
]);

/**
 * Side-effect-free macros giving a zval's type (`Z_TYPE_P(x)`, …): the analysis remembers the
 * outcome of `switch (Z_TYPE_P(x))` cases and of `Z_TYPE_P(x) == IS_…` tests on a local zval and
 * decides later tests of the same expression, until `x` may change (assigned, `&x`, given to
 * anything but a READERS row, a loop back-edge).
 */
export const ZVAL_TYPE_TESTS = new Set<string>(['Z_TYPE', 'Z_TYPE_P', 'Z_TYPE_INFO', 'Z_TYPE_INFO_P']);

/**
 * Type constants with pairwise distinct values in every PHP version (PHP 5: IS_BOOL; PHP 7+:
 * IS_UNDEF, IS_FALSE, IS_TRUE, IS_REFERENCE): a type known to be one of them is none of the
 * others. Aliases (IS_CALLABLE, IS_ITERABLE, _IS_BOOL, IS_CONSTANT_AST, IS_PTR…) are left out.
 */
export const DISTINCT_TYPE_CONSTANTS = new Set<string>([
  'IS_UNDEF', 'IS_NULL', 'IS_FALSE', 'IS_TRUE', 'IS_BOOL', 'IS_LONG', 'IS_DOUBLE', 'IS_STRING', 'IS_ARRAY',
  'IS_OBJECT', 'IS_RESOURCE', 'IS_REFERENCE',
]);

