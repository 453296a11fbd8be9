<?php
/**
 * Plugin Name:       Atoll Webhook
 * Description:       Tells an Atoll site when a post changes: a signed POST to its /api/sync on save, status change, trash, restore and delete; and opens "Preview" in Atoll through a signed, expiring link. Configure ATOLL_WEBHOOK_URL and ATOLL_WEBHOOK_SECRET in wp-config.php.
 * Version:           1.2.0
 * Requires at least: 6.0
 * Requires PHP:      7.4
 * License:           MIT
 *
 * The notification only names the post ({"post_id", "post_type", "action"}); Atoll fetches
 * the post itself from the REST API, so a late, repeated or reordered notification can
 * never write stale content. The body is signed with HMAC-SHA256 and the hex digest sent
 * as `X-Atoll-Signature: sha256=<hex>`.
 *
 * Notifications are collected while the request runs and sent once per post at shutdown,
 * after WordPress has stored the terms, meta and featured image that the REST API saves
 * after `save_post`. A request that changes several posts (a bulk edit, a bulk trash)
 * sends them together: one signed `{"events": [...]}` body per BATCH posts, so a bulk edit
 * of 300 posts is one request, not 300 that a rate limit or a timeout could drop. Under PHP-FPM the response is handed to the editor first
 * (fastcgi_finish_request); elsewhere the request waits at most ATOLL_WEBHOOK_TIMEOUT
 * seconds (default 3). Failed deliveries are retried through WP-Cron with backoff.
 *
 * Previews (1.2): "Preview" opens the draft in Atoll, not in a theme. The preview link is
 * `<Atoll>/preview/<post id>?issued=<unix time>&sig=<hex>`, `sig` being the HMAC-SHA256 of
 * `atoll-preview:<id>:<issued>` with the same secret; Atoll refuses a wrong signature (403)
 * and a link older than its ATOLL_PREVIEW_SECONDS (410), then reads the draft (or the
 * newest autosave of a published post) with its application password. <Atoll> is
 * ATOLL_SITE_URL, or ATOLL_WEBHOOK_URL without its /api/sync. The `preview_post_link`
 * filter covers the classic editor, the post list and the block editor's autosave
 * previews; the block editor previews a draft at `?p=<id>&preview=true`, which WordPress's
 * front end then redirects to the same signed link (for someone who may edit the post).
 */

defined( 'ABSPATH' ) || exit;

final class Atoll_Webhook {

	const RETRY_HOOK   = 'atoll_webhook_retry';
	const MAX_ATTEMPTS = 5;
	const BATCH        = 100;

	/** @var array<int, array{post_type: string, action: string}> Pending notifications by post id. */
	private static $queue = array();

	public static function init() {
		add_action( 'save_post', array( __CLASS__, 'on_save' ), 99, 2 );
		add_action( 'transition_post_status', array( __CLASS__, 'on_transition' ), 99, 3 );
		add_action( 'trashed_post', array( __CLASS__, 'on_trashed' ), 99 );
		add_action( 'untrashed_post', array( __CLASS__, 'on_untrashed' ), 99 );
		add_action( 'before_delete_post', array( __CLASS__, 'on_delete' ), 99 );
		// Sticking a post is an option, not a save: stick_post() alone fires only these.
		add_action( 'post_stuck', array( __CLASS__, 'on_sticky' ), 99 );
		add_action( 'post_unstuck', array( __CLASS__, 'on_sticky' ), 99 );
		add_action( 'shutdown', array( __CLASS__, 'flush' ), 20 );
		add_action( self::RETRY_HOOK, array( __CLASS__, 'retry' ), 10, 4 );  // 4: retries queued by 1.0
		add_filter( 'preview_post_link', array( __CLASS__, 'preview_link' ), 99, 2 );
		add_action( 'template_redirect', array( __CLASS__, 'redirect_preview' ), 1 );
	}

	/** Configured, and not inside an import (a full sync picks imported posts up). */
	public static function enabled() {
		return defined( 'ATOLL_WEBHOOK_URL' ) && ATOLL_WEBHOOK_URL
			&& defined( 'ATOLL_WEBHOOK_SECRET' ) && ATOLL_WEBHOOK_SECRET
			&& ! ( defined( 'WP_IMPORTING' ) && WP_IMPORTING );
	}

	public static function on_save( $post_id, $post ) {
		if ( defined( 'DOING_AUTOSAVE' ) && DOING_AUTOSAVE ) {
			return;
		}
		self::queue( $post, 'update' );
	}

	public static function on_transition( $new_status, $old_status, $post ) {
		if ( $new_status !== $old_status ) {
			self::queue( $post, 'trash' === $new_status ? 'delete' : 'update' );
		}
	}

	public static function on_trashed( $post_id ) {
		self::queue( get_post( $post_id ), 'delete' );
	}

	public static function on_untrashed( $post_id ) {
		self::queue( get_post( $post_id ), 'update' );
	}

	/** Stuck or unstuck: the post reads the same, but lists order it differently. */
	public static function on_sticky( $post_id ) {
		self::queue( get_post( $post_id ), 'update' );
	}

	public static function on_delete( $post_id ) {
		self::queue( get_post( $post_id ), 'delete' );
	}

	/**
	 * The post types Atoll is told about: every public type in the REST API (posts, pages
	 * and custom types registered with `show_in_rest`), so adding a type to Atoll's
	 * WORDPRESS_POST_TYPES needs nothing here; Atoll acknowledges and ignores the others.
	 * Narrow it with the `atoll_webhook_post_types` filter.
	 */
	private static function types() {
		$types = array_values(
			array_diff(
				get_post_types( array( 'public' => true, 'show_in_rest' => true ) ),
				array( 'attachment' )
			)
		);
		return (array) apply_filters( 'atoll_webhook_post_types', $types );
	}

	/** The Atoll site: ATOLL_SITE_URL, or the webhook URL without its `/api/sync`. */
	public static function site_url() {
		if ( defined( 'ATOLL_SITE_URL' ) && ATOLL_SITE_URL ) {
			return untrailingslashit( ATOLL_SITE_URL );
		}
		return preg_replace( '#/api/sync/?$#', '', untrailingslashit( ATOLL_WEBHOOK_URL ) );
	}

	/** The signed preview link of post `$post_id`, issued now (or at `$issued`, for tests). */
	public static function preview_url( $post_id, $issued = null ) {
		$post_id = (int) $post_id;
		$issued  = null === $issued ? time() : (int) $issued;
		$sig     = hash_hmac( 'sha256', "atoll-preview:$post_id:$issued", ATOLL_WEBHOOK_SECRET );
		return self::site_url() . '/preview/' . $post_id . '?issued=' . $issued . '&sig=' . $sig;
	}

	/** `preview_post_link`: Atoll's signed link for the types Atoll shows. */
	public static function preview_link( $link, $post ) {
		$post = get_post( $post );
		if ( ! $post instanceof WP_Post || ! self::enabled() || ! in_array( $post->post_type, self::types(), true ) ) {
			return $link;
		}
		return self::preview_url( $post->ID );
	}

	/** A front-end preview (`?p=<id>&preview=true`, the block editor's for drafts) goes to Atoll. */
	public static function redirect_preview() {
		if ( ! is_preview() || ! self::enabled() ) {
			return;
		}
		$post_id = isset( $_GET['preview_id'] ) ? (int) $_GET['preview_id'] : (int) get_queried_object_id();
		$post    = get_post( $post_id );
		if ( ! $post instanceof WP_Post || ! in_array( $post->post_type, self::types(), true ) || ! current_user_can( 'edit_post', $post->ID ) ) {
			return;
		}
		wp_redirect( self::preview_url( $post->ID ) );
		exit;
	}

	/** Remember the latest action per post; revisions, autosaves and other types are skipped. */
	private static function queue( $post, $action ) {
		if ( ! $post instanceof WP_Post || ! self::enabled() ) {
			return;
		}
		if ( wp_is_post_revision( $post ) || wp_is_post_autosave( $post ) || 'auto-draft' === $post->post_status ) {
			return;
		}
		if ( ! in_array( $post->post_type, self::types(), true ) ) {
			return;
		}
		self::$queue[ (int) $post->ID ] = array(
			'post_type' => $post->post_type,
			'action'    => $action,
		);
	}

	/** Send everything this request queued, once per post, after the editor has its answer. */
	public static function flush() {
		if ( ! self::$queue || ! self::enabled() ) {
			return;
		}
		$queue       = self::$queue;
		self::$queue = array();
		if ( function_exists( 'fastcgi_finish_request' ) ) {
			fastcgi_finish_request();
		}
		$events = array();
		foreach ( $queue as $post_id => $item ) {
			$events[] = array(
				'post_id'   => (int) $post_id,
				'post_type' => $item['post_type'],
				'action'    => $item['action'],
			);
		}
		foreach ( array_chunk( $events, self::BATCH ) as $batch ) {
			self::send( $batch, 1 );
		}
	}

	/** A retry from WP-Cron: `(events, attempt)`, or 1.0's `(post_id, post_type, action, attempt)`. */
	public static function retry( $events, $attempt = 1, $action = null, $old_attempt = null ) {
		if ( ! is_array( $events ) ) {
			$events  = array(
				array(
					'post_id'   => (int) $events,
					'post_type' => (string) $attempt,
					'action'    => (string) $action,
				),
			);
			$attempt = $old_attempt;
		}
		self::send( $events, (int) $attempt );
	}

	/** One signed POST for `$events` (one post: the plain body; several: `{"events": [...]}`);
	 *  a transport error or a 5xx/429 is retried later through WP-Cron. */
	private static function send( $events, $attempt ) {
		$body     = wp_json_encode( 1 === count( $events ) ? $events[0] : array( 'events' => $events ) );
		$response = wp_remote_post(
			ATOLL_WEBHOOK_URL,
			array(
				'body'        => $body,
				'headers'     => array(
					'Content-Type'      => 'application/json',
					'X-Atoll-Signature' => 'sha256=' . hash_hmac( 'sha256', $body, ATOLL_WEBHOOK_SECRET ),
				),
				'timeout'     => defined( 'ATOLL_WEBHOOK_TIMEOUT' ) ? (float) ATOLL_WEBHOOK_TIMEOUT : 3.0,
				'redirection' => 0,
				'user-agent'  => 'AtollWebhook/1.0; ' . home_url( '/' ),
			)
		);
		$status = is_wp_error( $response ) ? 0 : (int) wp_remote_retrieve_response_code( $response );
		if ( $status >= 200 && $status < 300 ) {
			return;
		}
		$reason = is_wp_error( $response ) ? $response->get_error_message() : "HTTP $status";
		$again  = ( 0 === $status || 429 === $status || $status >= 500 ) && $attempt < self::MAX_ATTEMPTS;
		$posts  = implode( ',', wp_list_pluck( $events, 'post_id' ) );
		error_log( sprintf( 'atoll-webhook: posts %s failed (attempt %d): %s%s', $posts, $attempt, $reason, $again ? '; will retry' : '' ) );
		if ( $again ) {
			wp_schedule_single_event( time() + 30 * ( 2 ** ( $attempt - 1 ) ), self::RETRY_HOOK, array( $events, $attempt + 1 ) );
		}
	}
}

Atoll_Webhook::init();
