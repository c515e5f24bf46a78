<?php
namespace app\controller;

use support\Request;

class CacheController
{
    private static array $cache = [];

    /** Keyed by request input and the clock: a new key on every request. */
    public function store(Request $request)
    {
        $key = $request->get('user') . ':' . time();
        self::$cache[$key] = $request->rawBody();
        return response('ok');
    }

    /** Bounded: evicts the oldest entry past 100. */
    public function remember(Request $request)
    {
        self::$cache[$request->get('k')] = $request->get('v');
        if (count(self::$cache) > 100) {
            array_shift(self::$cache);
        }
        return response('ok');
    }
}
