<?php
namespace app\controller;

use support\Request;

class UserController
{
    /** Grows by one entry per request, keyed by nothing: never shrinks. */
    public static array $seen = [];

    /** Bounded: fixed keys only. */
    private static array $counters = ['hits' => 0, 'misses' => 0];

    public function index(Request $request)
    {
        static::$seen[] = $request->get('id');
        self::$counters['hits']++;
        return json(['count' => count(self::$seen)]);
    }
}
