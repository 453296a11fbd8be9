<?php
/**
 * The PHP half of scripts/wordpress-dev: install WordPress without prompts, mint an
 * application password, and write the seed and bulk posts. Run by the shell script only:
 *
 *   php wordpress/dev/cli.php install --admin-password PASSWORD
 *   php wordpress/dev/cli.php app-password        prints a fresh password for "admin"
 *   php wordpress/dev/cli.php seed                authors, terms, featured image, posts
 *   php wordpress/dev/cli.php bulk N              N generated posts (webhooks suppressed)
 *   php wordpress/dev/cli.php bulk-edit N MARK    retitle N of them in one process (webhooks sent)
 *   php wordpress/dev/cli.php preview-link ID [ISSUED]  the plugin's preview link of post ID
 *                                                  (get_preview_post_link; signed at ISSUED if given)
 *
 * Every command can run any number of times: rows are found by a marker meta key before
 * they are created.
 */

if ( PHP_SAPI !== 'cli' ) {
	exit( 1 );
}

$atoll_command = $argv[1] ?? '';
$atoll_url     = getenv( 'WORDPRESS_DEV_URL' ) ?: 'http://127.0.0.1:8081';
$atoll_parts   = parse_url( $atoll_url );

// Debian's wp-config.php picks /etc/wordpress/config-atoll.php (config-atoll-PORT.php for a
// second instance) from this variable, and WordPress builds URLs from the host name, so both
// look like a request to the site.
$_SERVER['WORDPRESS_CONFIG'] = getenv( 'WORDPRESS_DEV_CONFIG' ) ?: 'atoll';
$_SERVER['HTTP_HOST']        = $atoll_parts['host'] . ( isset( $atoll_parts['port'] ) ? ':' . $atoll_parts['port'] : '' );
$_SERVER['SERVER_NAME']      = $atoll_parts['host'];
$_SERVER['SERVER_PORT']      = (string) ( $atoll_parts['port'] ?? 80 );
$_SERVER['REQUEST_URI']      = '/';
$_SERVER['REQUEST_METHOD']   = 'GET';
$_SERVER['SERVER_PROTOCOL']  = 'HTTP/1.1';

if ( 'install' === $atoll_command ) {
	define( 'WP_INSTALLING', true );
}
if ( in_array( $atoll_command, array( 'seed', 'bulk' ), true ) ) {
	// Imports are not edits: the webhook plugin stays quiet, a full sync picks them up.
	define( 'WP_IMPORTING', true );
}

/** Installing must not try to send mail: there is no MTA on a test machine. */
function wp_new_blog_notification() {}

require '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
require_once ABSPATH . 'wp-admin/includes/image.php';
require_once ABSPATH . 'wp-admin/includes/post.php';

const ATOLL_SEED_KEY = '_atoll_seed';
const ATOLL_BULK_KEY = '_atoll_bulk';

function atoll_fail( $message ) {
	fwrite( STDERR, "wordpress-dev: $message\n" );
	exit( 1 );
}

function atoll_option( $args, $name ) {
	$at = array_search( "--$name", $args, true );
	return false === $at ? null : ( $args[ $at + 1 ] ?? null );
}

// ----------------------------------------------------------------------------- install

function atoll_install( $args ) {
	$password = atoll_option( $args, 'admin-password' );
	if ( ! $password ) {
		atoll_fail( 'install needs --admin-password' );
	}
	if ( ! is_blog_installed() ) {
		$result = wp_install( 'Atoll dev', 'admin', 'admin@example.test', false, '', wp_slash( $password ) );
		if ( is_wp_error( $result ) ) {
			atoll_fail( 'wp_install failed: ' . $result->get_error_message() );
		}
		fwrite( STDERR, "wordpress-dev: WordPress installed\n" );
	}
	$admin = get_user_by( 'login', 'admin' );
	if ( ! wp_check_password( $password, $admin->user_pass, $admin->ID ) ) {
		wp_set_password( $password, $admin->ID );
	}
	// Pretty permalinks give the REST API its /wp-json/ address; a zone east of UTC makes
	// the site-local `date` differ from `date_gmt`, which the sync must not confuse.
	update_option( 'permalink_structure', '/%postname%/' );
	update_option( 'timezone_string', 'Europe/Berlin' );
	update_option( 'posts_per_page', 10 );
	flush_rewrite_rules( false );
	$plugin = 'atoll-webhook/atoll-webhook.php';
	if ( ! is_plugin_active( $plugin ) ) {
		$result = activate_plugin( $plugin );
		if ( is_wp_error( $result ) ) {
			atoll_fail( 'activating the webhook plugin failed: ' . $result->get_error_message() );
		}
	}
}

function atoll_app_password() {
	$admin = get_user_by( 'login', 'admin' );
	foreach ( WP_Application_Passwords::get_user_application_passwords( $admin->ID ) as $item ) {
		if ( 'atoll-dev' === $item['name'] ) {
			WP_Application_Passwords::delete_application_password( $admin->ID, $item['uuid'] );
		}
	}
	$created = WP_Application_Passwords::create_new_application_password( $admin->ID, array( 'name' => 'atoll-dev' ) );
	if ( is_wp_error( $created ) ) {
		atoll_fail( 'could not create an application password: ' . $created->get_error_message() );
	}
	echo $created[0];
}

// ----------------------------------------------------------------------------- seed

function atoll_user( $login, $display_name, $role ) {
	$user = get_user_by( 'login', $login );
	if ( $user ) {
		return $user->ID;
	}
	$id = wp_insert_user(
		array(
			'user_login'   => $login,
			'user_pass'    => wp_generate_password( 24 ),
			'user_email'   => "$login@example.test",
			'display_name' => $display_name,
			'nickname'     => $display_name,
			'role'         => $role,
		)
	);
	if ( is_wp_error( $id ) ) {
		atoll_fail( "could not create user $login: " . $id->get_error_message() );
	}
	return $id;
}

function atoll_term( $name, $slug, $taxonomy ) {
	$term = get_term_by( 'slug', $slug, $taxonomy );
	if ( $term ) {
		return (int) $term->term_id;
	}
	$created = wp_insert_term( $name, $taxonomy, array( 'slug' => $slug ) );
	if ( is_wp_error( $created ) ) {
		atoll_fail( "could not create $taxonomy $slug: " . $created->get_error_message() );
	}
	return (int) $created['term_id'];
}

function atoll_find( $key, $value, $post_type = 'post' ) {
	$found = get_posts(
		array(
			'post_type'      => $post_type,
			'post_status'    => array( 'publish', 'draft', 'pending', 'private', 'future', 'trash', 'inherit' ),
			'meta_key'       => $key,
			'meta_value'     => $value,
			'fields'         => 'ids',
			'posts_per_page' => 1,
			'no_found_rows'  => true,
		)
	);
	return $found ? (int) $found[0] : 0;
}

/** A 640×360 PNG drawn with GD: sea, lagoon and reef, so the image is real and small. */
function atoll_featured_image() {
	$existing = atoll_find( ATOLL_SEED_KEY, 'featured-image', 'attachment' );
	if ( $existing ) {
		return $existing;
	}
	$image = imagecreatetruecolor( 640, 360 );
	imagefill( $image, 0, 0, imagecolorallocate( $image, 16, 78, 139 ) );
	imagefilledellipse( $image, 320, 180, 420, 260, imagecolorallocate( $image, 238, 214, 175 ) );
	imagefilledellipse( $image, 320, 180, 340, 190, imagecolorallocate( $image, 64, 224, 208 ) );
	ob_start();
	imagepng( $image );
	$png = ob_get_clean();
	imagedestroy( $image );
	$upload = wp_upload_bits( 'atoll-lagoon.png', null, $png );
	if ( ! empty( $upload['error'] ) ) {
		atoll_fail( 'could not store the featured image: ' . $upload['error'] );
	}
	$id = wp_insert_attachment(
		array(
			'post_title'     => 'Atoll lagoon',
			'post_mime_type' => 'image/png',
			'post_status'    => 'inherit',
		),
		$upload['file']
	);
	wp_update_attachment_metadata( $id, wp_generate_attachment_metadata( $id, $upload['file'] ) );
	update_post_meta( $id, '_wp_attachment_image_alt', 'A turquoise lagoon inside a ring of coral' );
	update_post_meta( $id, ATOLL_SEED_KEY, 'featured-image' );
	return $id;
}

function atoll_seed_post( $key, $spec ) {
	$id = atoll_find( ATOLL_SEED_KEY, $key );
	if ( $id ) {
		$post = get_post( $id );
		if ( 'trash' === $post->post_status ) {
			wp_untrash_post( $id );
		}
		if ( get_post_status( $id ) !== $spec['post_status'] ) {
			wp_update_post( array( 'ID' => $id, 'post_status' => $spec['post_status'] ) );
		}
		return array( $id, false );
	}
	$meta   = $spec['meta'] ?? array();
	$thumb  = $spec['thumbnail'] ?? 0;
	$fields = array_diff_key( $spec, array_flip( array( 'meta', 'thumbnail' ) ) );
	$id     = wp_insert_post( wp_slash( $fields + array( 'post_type' => 'post' ) ), true );
	if ( is_wp_error( $id ) ) {
		atoll_fail( "could not create post $key: " . $id->get_error_message() );
	}
	update_post_meta( $id, ATOLL_SEED_KEY, $key );
	foreach ( $meta as $name => $value ) {
		update_post_meta( $id, $name, $value );
	}
	if ( $thumb ) {
		set_post_thumbnail( $id, $thumb );
	}
	return array( $id, true );
}

/** The users, terms and posts every environment starts with. */
function atoll_seed_data() {
	$admin = get_user_by( 'login', 'admin' );
	// The seed writes raw HTML on purpose (one post is hostile): act as the administrator,
	// who may post unfiltered HTML, and keep kses from cleaning it before it is stored.
	wp_set_current_user( $admin->ID );
	kses_remove_filters();

	$lena  = atoll_user( 'lena', 'Lena Varga', 'author' );
	$tomas = atoll_user( 'tomas', 'Tomás Rivera', 'author' );
	$news  = atoll_term( 'News & Notes', 'news-notes', 'category' );
	$eng   = atoll_term( 'Engineering', 'engineering', 'category' );
	$tags  = array(
		'wordpress' => atoll_term( 'WordPress', 'wordpress', 'post_tag' ),
		'libsql'    => atoll_term( 'libSQL', 'libsql', 'post_tag' ),
		'reflex'    => atoll_term( 'Reflex & Python', 'reflex', 'post_tag' ),
	);
	$image = atoll_featured_image();
	$src   = wp_get_attachment_url( $image );

	return array(
		'lena'  => $lena,
		'tomas' => $tomas,
		'terms' => array( 'news' => $news, 'engineering' => $eng ) + $tags,
		'posts' => array(
			'hello-from-wordpress'  => array(
				'post_title'    => 'Hello from WordPress',
				'post_name'     => 'hello-from-wordpress',
				'post_status'   => 'publish',
				'post_author'   => $lena,
				'post_date'     => '2025-04-01 10:00:00',
				'post_excerpt'  => 'Atoll now reads its posts from a headless WordPress.',
				'post_content'  => "<!-- wp:paragraph -->\n<p>Posts are written in WordPress and copied into libSQL, where Atoll's pages read them.</p>\n<!-- /wp:paragraph -->\n\n<!-- wp:image -->\n<figure class=\"wp-block-image\"><img src=\"$src\" alt=\"The lagoon from the reef\"/></figure>\n<!-- /wp:image -->\n\n<p>Read the <a href=\"https://developer.wordpress.org/rest-api/\">REST API handbook</a> for the details.</p>",
				'post_category' => array( $news ),
				'tags_input'    => array( 'wordpress', 'libsql' ),
				'thumbnail'     => $image,
			),
			'tips-and-tricks'       => array(
				'post_title'    => 'Tips & Tricks: "quotes", apostrophes and <em>emphasis</em>',
				'post_name'     => 'tips-and-tricks',
				'post_status'   => 'publish',
				'post_author'   => $tomas,
				'post_date'     => '2025-04-03 18:30:00',
				'post_content'  => "<p>WordPress turns \"straight quotes\" into curly ones and encodes &amp; in titles.</p>\n<ul><li>One</li><li>Two</li></ul>",
				'post_category' => array( $eng ),
				'tags_input'    => array( 'reflex' ),
			),
			'islands-in-wordpress'  => array(
				'post_title'    => 'Islands, now with WordPress content',
				'post_name'     => 'islands-in-wordpress',
				'post_status'   => 'publish',
				'post_author'   => $tomas,
				'post_date'     => '2025-04-05 07:15:00',
				'post_content'  => "<h2>Static by default</h2>\n<p>The copy in libSQL is what visitors read.</p>\n<blockquote><p>Interactive where it earns its keep.</p></blockquote>",
				'post_category' => array( $eng, $news ),
				'tags_input'    => array( 'reflex', 'libsql' ),
			),
			'hostile-markup'        => array(
				'post_title'    => 'Hostile markup is neutralised',
				'post_name'     => 'hostile-markup',
				'post_status'   => 'publish',
				'post_author'   => $lena,
				'post_date'     => '2025-04-06 12:00:00',
				'post_excerpt'  => 'An excerpt with <img src="x" onerror="window.__atollXss = \'excerpt\'"> in it.',
				'post_content'  => "<p>Before the payloads.</p>\n<script>window.__atollXss = 'script';</script>\n<p><img src=\"/does-not-exist.png\" onerror=\"window.__atollXss = 'onerror'\" alt=\"broken on purpose\"></p>\n<iframe src=\"javascript:window.parent.__atollXss = 'iframe'\" width=\"200\" height=\"100\"></iframe>\n<p><a href=\"javascript:window.__atollXss = 'href'\" id=\"xss-link\">a javascript: link</a></p>\n<p style=\"background:url(javascript:alert(1))\" onclick=\"window.__atollXss = 'onclick'\">Styled and clickable</p>\n<svg onload=\"window.__atollXss = 'svg'\"><circle r=\"4\"></circle></svg>\n<p>After the payloads.</p>",
				'post_category' => array( $eng ),
				'tags_input'    => array( 'wordpress' ),
			),
			'unfinished-draft'      => array(
				'post_title'   => 'An unfinished draft',
				'post_status'  => 'draft',
				'post_author'  => $lena,
				'post_content' => '<p>Not ready for anyone to read.</p>',
			),
			'a-private-note'        => array(
				'post_title'   => 'A private note',
				'post_name'    => 'a-private-note',
				'post_status'  => 'private',
				'post_author'  => $admin->ID,
				'post_date'    => '2025-04-02 09:00:00',
				'post_content' => '<p>Only logged-in editors can read this.</p>',
			),
		),
	);
}

function atoll_seed() {
	$data  = atoll_seed_data();
	$added = 0;
	foreach ( $data['posts'] as $key => $spec ) {
		list( , $created ) = atoll_seed_post( $key, $spec );
		$added += $created ? 1 : 0;
	}
	fwrite( STDERR, "wordpress-dev: seed posts present ($added new)\n" );
	atoll_seed_content( $data );
	return $data;
}

/**
 * Pages (one a child of another, one a draft) and books (the dev site's custom post type,
 * registered by atoll-local.php, with registered meta and `acf` fields), found by their
 * seed key like the posts. Posts are not touched: the tests count them.
 */
function atoll_seed_content( $data ) {
	$items = array(
		'page-about'       => array(
			'post_type'    => 'page',
			'post_title'   => 'About Atoll',
			'post_name'    => 'about',
			'post_status'  => 'publish',
			'post_content' => "<p>Atoll is a blog whose pages are written in Python.</p>\n<p onclick=\"window.__atollXss = 'page'\">Its data lives in libSQL.</p><script>window.__atollXss = 'page-script';</script>",
			'meta'         => array( 'subtitle' => 'Who we are' ),
		),
		'page-team'        => array(
			'post_type'    => 'page',
			'post_title'   => 'The team',
			'post_name'    => 'team',
			'post_status'  => 'publish',
			'parent'       => 'page-about',
			'menu_order'   => 1,
			'post_content' => '<p>Lena writes, Tomás builds.</p>',
		),
		'page-draft'       => array(
			'post_type'    => 'page',
			'post_title'   => 'A page in progress',
			'post_name'    => 'page-in-progress',
			'post_status'  => 'draft',
			'post_content' => '<p>Not ready.</p>',
		),
		'book-lagoon'      => array(
			'post_type'    => 'book',
			'post_title'   => 'The Lagoon',
			'post_name'    => 'the-lagoon',
			'post_status'  => 'publish',
			'post_author'  => $data['lena'],
			'post_date'    => '2025-03-01 10:00:00',
			'post_content' => '<p>A novel about a ring of coral.</p>',
			'meta'         => array(
				'isbn'         => '978-0-00-000001-1',
				'pages'        => 320,
				'acf_blurb'    => '<p>A <strong>gripping</strong> tale<img src="x" onerror="window.__atollXss = \'acf\'"></p>',
				'acf_subtitle' => 'A novel <b>of</b> the reef',
			),
		),
		'book-reef'        => array(
			'post_type'    => 'book',
			'post_title'   => 'Reef Notes',
			'post_name'    => 'reef-notes',
			'post_status'  => 'publish',
			'post_author'  => $data['tomas'],
			'post_date'    => '2025-03-02 10:00:00',
			'post_content' => '<p>Field notes.</p>',
			'meta'         => array( 'isbn' => '978-0-00-000002-8', 'pages' => 96 ),
		),
		'book-unpublished' => array(
			'post_type'    => 'book',
			'post_title'   => 'An unpublished book',
			'post_name'    => 'unpublished-book',
			'post_status'  => 'draft',
			'post_content' => '<p>Still a draft.</p>',
		),
	);
	$ids   = array();
	$added = 0;
	foreach ( $items as $key => $spec ) {
		$id = atoll_find( ATOLL_SEED_KEY, $key, $spec['post_type'] );
		if ( ! $id ) {
			$meta   = $spec['meta'] ?? array();
			$fields = array_diff_key( $spec, array_flip( array( 'meta', 'parent' ) ) );
			if ( isset( $spec['parent'] ) ) {
				$fields['post_parent'] = $ids[ $spec['parent'] ];
			}
			$id = wp_insert_post( wp_slash( $fields ), true );
			if ( is_wp_error( $id ) ) {
				atoll_fail( "could not create $key: " . $id->get_error_message() );
			}
			update_post_meta( $id, ATOLL_SEED_KEY, $key );
			foreach ( $meta as $name => $value ) {
				update_post_meta( $id, $name, wp_slash( $value ) );
			}
			++$added;
		} elseif ( get_post_status( $id ) !== $spec['post_status'] ) {
			wp_update_post( array( 'ID' => $id, 'post_status' => $spec['post_status'] ) );
		}
		$ids[ $key ] = $id;
	}
	fwrite( STDERR, "wordpress-dev: seed pages and books present ($added new)\n" );
}

// ----------------------------------------------------------------------------- bulk

function atoll_bulk( $count ) {
	global $wpdb;
	$data = atoll_seed();
	$have = array_flip(
		$wpdb->get_col( $wpdb->prepare( "SELECT meta_value FROM {$wpdb->postmeta} WHERE meta_key = %s", ATOLL_BULK_KEY ) )
	);
	$authors = array( $data['lena'], $data['tomas'], get_user_by( 'login', 'admin' )->ID );
	$terms   = $data['terms'];
	$cats    = array( $terms['news'], $terms['engineering'] );
	$tagsets = array( array( 'wordpress' ), array( 'libsql', 'reflex' ), array() );
	wp_defer_term_counting( true );
	$made = 0;
	for ( $i = 1; $i <= $count; $i++ ) {
		$n = sprintf( '%04d', $i );
		if ( isset( $have[ $n ] ) ) {
			continue;
		}
		$id = wp_insert_post(
			wp_slash(
				array(
					'post_type'     => 'post',
					'post_title'    => "Bulk post $n",
					'post_name'     => "bulk-post-$n",
					'post_status'   => 'publish',
					'post_author'   => $authors[ $i % 3 ],
					'post_date'     => gmdate( 'Y-m-d H:i:s', strtotime( '2024-01-01 00:00:00 UTC' ) + $i * 3600 ),
					'post_content'  => "<p>Generated post number $n for the sync tests.</p>\n<p>It has <strong>some</strong> markup and <a href=\"https://example.org/$n\">a link</a>.</p>",
					'post_category' => array( $cats[ $i % 2 ] ),
					'tags_input'    => $tagsets[ $i % 3 ],
				)
			),
			true
		);
		if ( is_wp_error( $id ) ) {
			atoll_fail( "could not create bulk post $n: " . $id->get_error_message() );
		}
		update_post_meta( $id, ATOLL_BULK_KEY, $n );
		++$made;
	}
	wp_defer_term_counting( false );
	fwrite( STDERR, "wordpress-dev: $count bulk posts present ($made new)\n" );
}

/**
 * Retitle the first N bulk posts in this one PHP process, as WordPress's own bulk edit does
 * in one request: every save_post fires, and the webhook plugin sends them at shutdown.
 */
function atoll_bulk_edit( $count, $mark ) {
	global $wpdb;
	$ids = $wpdb->get_col(
		$wpdb->prepare(
			"SELECT post_id FROM {$wpdb->postmeta} WHERE meta_key = %s ORDER BY meta_value LIMIT %d",
			ATOLL_BULK_KEY,
			$count
		)
	);
	foreach ( $ids as $id ) {
		$number = get_post_meta( (int) $id, ATOLL_BULK_KEY, true );
		$done   = wp_update_post( array( 'ID' => (int) $id, 'post_title' => "Bulk post $number $mark" ), true );
		if ( is_wp_error( $done ) ) {
			atoll_fail( "could not edit post $id: " . $done->get_error_message() );
		}
	}
	fwrite( STDERR, 'wordpress-dev: ' . count( $ids ) . " bulk posts retitled ($mark)\n" );
}

/**
 * Print the preview link WordPress's "Preview" opens for post ID: get_preview_post_link()
 * as the editor calls it, so the plugin's filter builds it; with ISSUED, the plugin's link
 * as signed at that time (an old one, to see it refused).
 */
function atoll_preview_link( $id, $issued ) {
	if ( ! get_post( $id ) ) {
		atoll_fail( "no post $id" );
	}
	if ( ! class_exists( 'Atoll_Webhook' ) ) {
		atoll_fail( 'the Atoll Webhook plugin is not active' );
	}
	echo ( null === $issued ? get_preview_post_link( $id ) : Atoll_Webhook::preview_url( $id, (int) $issued ) ), "\n";
}

switch ( $atoll_command ) {
	case 'install':
		atoll_install( $argv );
		break;
	case 'app-password':
		atoll_app_password();
		break;
	case 'seed':
		atoll_seed();
		break;
	case 'bulk':
		$n = (int) ( $argv[2] ?? 0 );
		if ( $n < 0 ) {
			atoll_fail( 'bulk needs a count' );
		}
		atoll_bulk( $n );
		break;
	case 'bulk-edit':
		atoll_bulk_edit( max( 0, (int) ( $argv[2] ?? 0 ) ), (string) ( $argv[3] ?? 'edited' ) );
		break;
	case 'preview-link':
		atoll_preview_link( (int) ( $argv[2] ?? 0 ), $argv[3] ?? null );
		break;
	default:
		atoll_fail( 'usage: cli.php install|app-password|seed|bulk N|bulk-edit N MARK|preview-link ID [ISSUED]' );
}
